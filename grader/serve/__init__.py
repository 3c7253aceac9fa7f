"""`grader serve`: the instructor's workspace in the browser (grader.serve.app), behind a token (grader.serve.gate)."""
