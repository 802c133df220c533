"""Footnote's page: a Gradio chat over ``server.service.Service``.

Gradio lives here only; the page receives the Service and renders what it returns.
"""
