"""Reports of a graded submission: HTML page, Gradescope JSON, JUnit XML, Markdown, GitHub annotations,
terminal tables."""
from grader.report.github import github_annotations
from grader.report.gradebook import write_canvas_grades, write_gradebook
from grader.report.gradescope import gradescope_results, write_gradescope
from grader.report.hidden import HIDDEN_POLICIES, redact_hidden
from grader.report.html import render_html, write_html
from grader.report.junit import junit_xml, write_junit
from grader.report.markdown import markdown_summary
from grader.report.summary import render_summary, write_summary
from grader.report.terminal import print_result, summary_table

__all__ = [
    "HIDDEN_POLICIES",
    "github_annotations",
    "gradescope_results",
    "junit_xml",
    "markdown_summary",
    "print_result",
    "redact_hidden",
    "render_html",
    "render_summary",
    "summary_table",
    "write_canvas_grades",
    "write_gradebook",
    "write_gradescope",
    "write_html",
    "write_junit",
    "write_summary",
]
