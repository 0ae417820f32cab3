"""Manager alerts pushed out of the station (webhook, e-mail)."""
