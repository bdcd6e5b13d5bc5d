"""Real browsers: Playwright driving Debian's Chromium (default) and Selenium (second engine)."""
