"""policylog: rules-as-code for subsidy policy lists."""
__version__ = "0.1.0"
