"""A LangChain app audited by Auditstream, runnable offline (fake chat model, fake tool).

The chain answers "where is my order?": it retrieves the shipping policy, asks the model
for the order id, looks the order up with a tool, then asks the model for the answer.
``AuditCallbackHandler`` turns every run into an audit event; all of them share the
trace of the ``client.span`` around the call, so ``audit query`` rebuilds the tree.

Run it against the local stack (``eval "$(deploy/local/stack.sh env)"`` first)::

    .venv/bin/python examples/langchain_app.py

Without a broker it still runs: the events wait in the disk spool until one is up.
It prints one JSON line: the trace id and what the client counted.
"""

from __future__ import annotations

import json
import os

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from langchain_core.tools import tool

from auditstream.producer import AuditClient, ClientConfig
from auditstream.producer.langchain import AuditCallbackHandler

POLICY = [
    Document(id="kb-shipping-7", page_content="Orders ship within 2 days.", metadata={}),
    Document(id="kb-returns-2", page_content="Returns are free for 30 days.", metadata={}),
]


class PolicyRetriever(BaseRetriever):
    """Returns the shipping and returns policy, whatever the query (a stand-in index)."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return POLICY


@tool
def lookup_order(order_id: str) -> str:
    """Look up an order's shipping status."""
    return json.dumps({"order_id": order_id, "status": "shipped", "carrier": "DHL"})


def build_chain() -> Runnable[dict[str, str], str]:
    """Return the support chain: retrieve, extract the order id, call the tool, answer."""
    model = FakeListChatModel(responses=["ORD-1042", "Your order ORD-1042 has shipped with DHL."])
    extract = (
        ChatPromptTemplate.from_messages(
            [("system", "Reply with the order id only."), ("human", "{question}")]
        )
        | model
        | StrOutputParser()
    )
    answer = (
        ChatPromptTemplate.from_messages(
            [
                ("system", "Answer with the policy and the order status.\n{policy}"),
                ("human", "{question}\nOrder: {order}"),
            ]
        )
        | model
        | StrOutputParser()
    )

    def fetch_order(inputs: dict[str, str]) -> dict[str, str]:
        return {**inputs, "order": lookup_order.invoke({"order_id": inputs["order_id"]})}

    def policy_text(inputs: dict[str, str]) -> str:
        documents = PolicyRetriever().invoke(inputs["question"])
        return "\n".join(d.page_content for d in documents)

    return (
        RunnablePassthrough.assign(policy=RunnableLambda(policy_text), order_id=extract)
        | RunnableLambda(fetch_order)
        | answer
    )


def main() -> None:
    """Answer one question with the chain, audited, and print the trace id."""
    config = ClientConfig.from_env(
        service_name=os.environ.get("AUDITSTREAM_PRODUCER__SERVICE_NAME", "support-bot")
    )
    with AuditClient(config) as client:
        handler = AuditCallbackHandler(client, tenant_id="acme", user_id="u-42")
        with client.span("support.answer", tenant_id="acme", user_id="u-42") as span:
            reply = build_chain().invoke(
                {"question": "Where is my order ORD-1042?"}, config={"callbacks": [handler]}
            )
        client.flush(10)
        stats = client.stats()
    print(
        json.dumps(
            {
                "trace_id": span.trace_id,
                "reply": reply,
                "emitted": stats.emitted,
                "delivered": stats.delivered,
                "spooled": stats.spooled,
            }
        )
    )


if __name__ == "__main__":
    main()
