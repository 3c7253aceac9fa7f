"""Where and how grading runs, from the parent's side: the sandbox (bubblewrap, limits), starting a
child, feeding it its job, watching it (the session and its message loop, budgets), reaping it, and
the executors that do so for one submission (a one-off child, a fork server, a Dask cluster)."""
