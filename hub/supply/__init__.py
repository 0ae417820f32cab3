"""Plugin supply chain on the hub: the TUF repository, publishers and staged rollouts."""
