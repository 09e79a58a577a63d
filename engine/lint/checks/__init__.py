"""One module per lint check; `policylog.engine.lint.CHECKS` lists them in the order they run."""
