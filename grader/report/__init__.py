"""Reports of a graded submission: HTML page, Gradescope JSON, terminal tables."""
from grader.report.gradescope import gradescope_results, write_gradescope
from grader.report.html import render_html, write_html
from grader.report.terminal import print_result, summary_table

__all__ = [
    "gradescope_results",
    "print_result",
    "render_html",
    "summary_table",
    "write_gradescope",
    "write_html",
]
