"""nbgrader configuration for the micrograd course (run nbgrader from this directory).

Every setting here is one nbgrader 0.9 reads (a test checks each against nbgrader's own
classes); see docs/nbgrader.md for the workflow.
"""

import os

import nbgrader

import autograder.course

# nbgrader runs this file with get_config already defined
c = get_config()  # type: ignore[name-defined]  # noqa: F821

c.CourseDirectory.course_id = "micrograd"

# nbgrader's own stub (it cannot carry a per-method hint); `micrograd assign` puts the hint
# into exercises/ instead, and tests/course checks the two agree apart from these lines
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# nbgrader copies every non-notebook file of source/ into release/ and, when autograding,
# over the student's files, without stripping solutions. The notebook's %%writefile cells
# create engine.py and nn.py wherever it runs, so never copy those from source/ (an instructor
# who ran the source notebook would otherwise release the solution), nor Hypothesis's cache.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "engine.py", "nn.py", ".hypothesis",
]
# nothing to protect from overwriting: the student's code is in the notebook, not in .py files
c.Autograde.exclude_overwriting = {}

# a hidden test cell runs the spec for one exercise: allow a slow machine plenty of time
c.Execute.timeout = 600

# the feedback's index names each test cell after its exercise (nbgrader's own says "Test cell"):
# templates/feedback/micrograd_feedback.html.j2 extends nbgrader's feedback template, so both
# folders are on the path, the course's first
c.HTMLExporter.template_file = "micrograd_feedback.html.j2"
c.HTMLExporter.extra_template_basedirs = [
    str(autograder.course.FEEDBACK_TEMPLATES),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]
