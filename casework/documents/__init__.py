"""The paperwork casework writes from a case's data: the dossier the executive committee files
and the decisions the superior union issues, as DOCX from docxtpl templates.

- `types`: the document types (what each is filed against, which action may generate it);
- `formatting`: dates and numbers as Vietnamese administrative documents write them;
- `context`: the variables a template reads, from the case (and what is missing for one);
- `render`: a template rendered with a context (and a template checked with sample data).
The shipped templates are written by scripts/document_templates.py (python-docx).
"""
