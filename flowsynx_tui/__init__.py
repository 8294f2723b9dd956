"""flowsynx-tui: a terminal dashboard for FlowSynx workflow executions."""
__version__ = "0.1.0"
