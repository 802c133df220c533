"""The web layer: the HTTP API, the OpenAI-compatible API and the MCP server over the Assistant."""
