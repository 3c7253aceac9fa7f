"""Judging, in the parent: each check's verdict from what the child measured (compare), the root causes of what
failed with their fixes (diagnose), the points (score), and one hand-in's results put together (judging)."""
