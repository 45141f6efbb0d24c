"""The mini spec is graded through the autograder, not collected as tests."""

collect_ignore = ["mini_spec"]
