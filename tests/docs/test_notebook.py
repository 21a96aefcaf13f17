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
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the inline chart, once
    shown = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    # issue 15: as a spreadsheet shows them; 4238 of the 8800 deals were won
    assert "48.2%" in shown
    assert "10,005,534.00" in shown  # their revenue in USD, with cents
    assert "e+0" not in shown
