"""Plugin supply chain on the station: TUF-verified install, upgrade, rollback, trust at load."""
