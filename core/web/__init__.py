"""The web shell: kiosk pages, monitoring endpoint, access guard and error pages."""
