"""What runs inside the grading sandbox: the worker that loads a submission and measures it, the
notebook kernel driver, and the fork server's inside. It imports the contract, never the parent's code."""
