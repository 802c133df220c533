"""Batch evaluation of Footnote: ``python -m eval QUESTIONS`` (metrics, results, report),
``python -m eval compare DIR_A DIR_B`` and ``python -m eval unanswerable``.

Modules: dataset (question files in), metrics (pure scoring functions), runner (one run),
report (report.html), compare (two runs side by side), unanswerable (a refusal test set).
"""
