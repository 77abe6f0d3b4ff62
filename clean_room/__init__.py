"""`make clean-room`: the README's quick start on a freshly bootstrapped distribution, for real.

A root file system made by debootstrap with only what "a machine with Python, make and apt" has
(python3, make, ca-certificates), a fresh clone of this repository's HEAD, then, inside a chroot and
exactly as the README says: `make run` (checked from the host with a capture and the hits page) and
`make test` (every MariaDB test ran, nothing skipped that could run). Each phase is timed; the figures
are in docs/fresh-machine.md.
"""
