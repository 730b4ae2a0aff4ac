"""An edited copy of selectors/ams.yaml for the "upgraded" mock AMS, written the way an operator
would edit it after `rpa portal probe ams`: the new button captions, the history's new headers,
row count and pager, and the legal representative's fields scoped to their section (the 经办人 rows
before them reuse the labels 姓名, 证件种类 and 证件号码). Only the YAML changes, no code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rpa.settings import PROJECT_ROOT

# what the upgraded portal shows, written out by hand (not read from the fixture)
NEW_CAPTIONS = {"query": "检 索", "next": "继 续", "confirm": "提交备案", "back": "返回编辑"}
NEW_HEADERS = {"action": "办理业务", "business_date": "生效日期", "filing_no": "备案流水号"}
LEGAL_REP_SECTION = [
    {"xpath": "//tbody[tr/td[normalize-space(.)='法定代表人信息']]"},
    {"xpath": "//form"},  # a form without sections: the whole form
]


def _button(caption: str) -> list[dict[str, Any]]:
    return [{"css": f"input[value='{caption}']"}, {"role": "button", "name": caption}]


def write_upgraded_selectors(folder: Path, *, scope_legal_rep: bool = True) -> Path:
    """`folder`/ams.yaml, edited for the upgraded portal; returns `folder` (RPA_SELECTORS_DIR).
    `scope_legal_rep=False`: an edit that forgot the 经办人 section."""
    data = yaml.safe_load((PROJECT_ROOT / "selectors" / "ams.yaml").read_text(encoding="utf-8"))
    pages = data["pages"]
    for page in pages.values():
        for element, caption in NEW_CAPTIONS.items():
            if element in page["elements"]:
                page["elements"][element] = _button(caption)
    history = pages["lookup"]["tables"]["history"]
    for column, header in NEW_HEADERS.items():
        history["columns"][column].append(header)
    history["row_count"].append(r"共\s*(\d+)\s*笔")
    pages["lookup"]["elements"]["history_table"] = [
        {"xpath": "//th[normalize-space(.)='备案流水号']/ancestor::table[1]"},
        {"text": "备案流水号"},
    ]
    pages["lookup"]["elements"]["next_page"] = [
        {"xpath": "//a[normalize-space(.)='后一页']"},
        {"role": "link", "name": "后一页"},
    ]
    for form in ("open_form", "change_form") if scope_legal_rep else ():
        page = pages[form]
        page["sections"] = {"legal_rep": LEGAL_REP_SECTION}
        for element in ("legal_rep_name", "id_type", "id_number"):
            current = page["elements"][element]  # a list of candidates, or a mapping (personal: true)
            mapping = current if isinstance(current, dict) else {"candidates": current}
            page["elements"][element] = {**mapping, "scope": "legal_rep"}
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "ams.yaml").write_text(text, encoding="utf-8")
    return folder
