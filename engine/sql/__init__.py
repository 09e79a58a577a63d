"""Screening at scale: the Datalog IR compiled to SQL and run on embedded DuckDB.

    register (JSONL · profile files · CSV/Parquet tables · DuckDB)
        │ readers.py      every value as text, one raw table per subject kind
        ▼
    raw tables ──validate.py──▶ typed store (store.py: wide table per kind, long per-year tables)
        │                         + errors (row, field, code, reason)
        ▼
    Program (engine/compiler.py) ──compiler.py──▶ SQL: firings, amounts, stacking, near misses
        │
        ▼
    screen.py: run on DuckDB, write awards / errors / summary

pyDatalog (engine/datalog.py) stays the reference and the engine for single profiles and traces;
both backends read the same IR, and the tests check that they agree on every answer and amount.
"""
