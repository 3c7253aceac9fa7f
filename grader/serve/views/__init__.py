"""The workspace's views, each module with its routes beside their handlers (`routes(site)`)."""
