"""How a grading child is started (sandbox, limits, folders), fed its job, watched (the session and
its message loop, budgets) and reaped (one reaper), as a one-off process or forked by a server."""
