"""Screenshots of the hits pages for docs/ (``make screenshots``), and the headless Chromium they and
the browser tests use (screenshots.chromium)."""
