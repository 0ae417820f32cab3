"""Who is at the terminal: citizens (card, VNeID) and staff, and their login sessions."""
