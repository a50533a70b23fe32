"""The mock's behaviour as plain Python: no web framework is imported below this package."""
