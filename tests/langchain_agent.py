"""A LangChain agent's side of tests/test_mcp_langchain.py, run by .venv-langchain's Python
(langchain-mcp-adapters needs mcp<2, so it cannot run in Footnote's environment).

    python tests/langchain_agent.py URL AUTHORIZATION QUESTION

Loads Footnote's MCP tools from URL into LangChain, calls ``ask`` as a tool call and prints
one JSON object: the tools' names and descriptions, the ToolMessage's content and artifact.
"""

import asyncio
import json
import sys

from langchain_mcp_adapters.client import MultiServerMCPClient


async def main(url: str, authorization: str, question: str) -> dict:
    client = MultiServerMCPClient(
        {"footnote": {"transport": "streamable_http", "url": url, "headers": {"Authorization": authorization}}}
    )
    tools = await client.get_tools()
    ask = next(t for t in tools if t.name == "ask")
    message = await ask.ainvoke({"type": "tool_call", "id": "call-1", "name": "ask", "args": {"question": question}})
    return {
        "tools": {t.name: t.description for t in tools},
        "ask_args": sorted(ask.args),
        "content": message.content,
        "artifact": message.artifact,
        "status": message.status,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:4])), default=str))
