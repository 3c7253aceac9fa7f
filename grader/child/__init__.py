"""What runs inside the grading sandbox: the worker that loads a submission (salvaging its definitions
when its top-level code fails) and measures it, the notebook kernel driver, and the fork server's
inside. It talks to the parent only through grader.contract and never imports grader.execute."""
