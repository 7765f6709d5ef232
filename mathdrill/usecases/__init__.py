"""Use cases: what each command does, orchestrating the pure layers and storage.

One module per job: ``drill`` (the daily session, with ``problems`` and its worker
``problem_server``), ``progress`` (``mathdrill stats``), ``transfer`` (export and import),
``collection`` (due, card, doctor), ``checking`` (``mathdrill check``) and ``authoring``
(``mathdrill deck``). They never print: ``mathdrill.cli`` renders what they return.
"""
