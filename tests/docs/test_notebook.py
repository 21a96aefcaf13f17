"""The example notebook runs from top to bottom (C3)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_crm_notebook_executes_and_shows_a_table_a_frame_and_a_chart() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "examples" / "crm_analysis.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "examples")}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    kinds = {key for o in outputs for key in o.get("data", {})}
    assert "text/html" in kinds  # the funnel table and the DataFrame
    assert "image/png" in kinds  # the inline chart
    assert not [o for o in outputs if o.output_type == "error"]
