"""A test-only app whose one migration runs longer than the web path's 20 s read timeout."""
