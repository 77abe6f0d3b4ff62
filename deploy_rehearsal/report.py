"""The rehearsal's report as text: steps with their time and checks, what moto was asked, egress."""

from __future__ import annotations

from deploy_rehearsal.driver import RehearsalReport


def format_report(report: RehearsalReport) -> str:
    lines = [f"Deploy rehearsal of {', '.join(report.stages)} against moto"]
    for step in report.steps:
        exit_code = "" if step.exit_code is None else f"  exit {step.exit_code}"
        lines.append(f"\n{step.name}  ({step.seconds:.1f} s){exit_code}")
        for result in step.checks:
            failure = f": {result.detail}" if result.detail and not result.passed else ""
            lines.append(f"  {'ok  ' if result.passed else 'FAIL'} {result.name}{failure}")
    lines.append("\nmoto operations (status codes answered):")
    lines += [f"  {name}: {sorted(statuses)}" for name, statuses in sorted(report.moto_operations.items())]
    lines.append("\nwhere moto differs from AWS on this path (observed in this run):")
    lines += [f"  - {gap}" for gap in report.moto_gaps]
    refused = report.refused_egress or "none"
    lines.append(f"\nconnections the local proxy refused (nothing left the machine): {refused}")
    lines.append(f"requests the function or the gateway failed: {report.failed_requests or 'none'}")
    lines.append(f"function cold starts: {report.cold_starts}")
    passed = sum(result.passed for result in report.checks)
    verdict = "PASSED" if report.passed else "FAILED"
    lines.append(f"\n{passed}/{len(report.checks)} checks passed in {report.seconds:.1f} s: {verdict}")
    return "\n".join(lines)
