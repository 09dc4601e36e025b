"""The briefing pack (Qt-free ReportLab Platypus).

Where things live:

* ``parameters`` - ``BriefingParameters`` (what a pack is asked to contain) and the section names;
* ``builder`` - ``build_pack`` / ``preview_classification`` / ``BriefingPackBuilder``: the entry points;
* ``data`` - everything a pack shows, loaded once under the ceiling (``db.queries.briefing``)
  plus the shared analysis (``desktop.services``);
* ``doctemplate`` - the ``BaseDocTemplate`` with cover and body page templates, banners,
  header and footer, outline and TOC entries;
* ``sections/`` - one module per section; ``charts`` - heat maps, stakeholder map, bars, sparklines;
* ``styles`` (geometry and paragraph styles), ``palette`` (colours shared with the GUI),
  ``fonts`` (DejaVu Sans and the CJK and emoji fallback faces from ``resources/fonts``,
  per-character fallback, the text layer's ToUnicode map), ``escape`` (the one escaping
  function), ``shaping`` (Arabic joining forms, the bidi algorithm line by line) and
  ``paragraphs`` (``Para``, the pack's Paragraph, and ``draw_line`` for canvas text).
"""
