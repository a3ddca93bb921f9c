"""Pasted tables: a cell is personal when its column's header says so and its shape agrees."""

from __future__ import annotations

import pytest

from auditstream.processor.redaction.recognizers import TableColumnRecognizer


def found(text: str) -> list[tuple[str, str]]:
    recognizer = TableColumnRecognizer()
    results = recognizer.analyze(text, recognizer.supported_entities)
    return sorted((r.entity_type, text[r.start : r.end]) for r in results)


CSV = (
    "convert this CSV to JSON\n\n"
    "name,email,phone,dob,balance\n"
    "Marc LeMahieu,marc57@yahoo.co.jp,+31 96 957 2715,2002-04-05,$17.99\n"
    "Taeke Geurinks,waste1803@free.fr,926 359 123,1968-06-29,23,99 €\n"
)
MARKDOWN = (
    "| Name | E-mail | Phone number | Date of birth |\n"
    "|---|:---:|---|---|\n"
    "| iker velasco | iker@ziggo.nl | 019601 28728 | 16 March 1949 |\n"
)
PSQL = (
    " customer_name | phone_number | order_id\n"
    "---------------+--------------+---------\n"
    " Ana Lima      | (75) 59246-0446 | ORD-1\n"
)


class TestTableColumnRecognizer:
    def test_csv_cells_under_personal_headers_are_found_and_the_rest_kept(self) -> None:
        """The unquoted comma of "23,99 €" shifts only the cells after the personal ones."""
        assert found(CSV) == [
            ("DATE_OF_BIRTH", "1968-06-29"),
            ("DATE_OF_BIRTH", "2002-04-05"),
            ("EMAIL_ADDRESS", "marc57@yahoo.co.jp"),
            ("EMAIL_ADDRESS", "waste1803@free.fr"),
            ("PERSON", "Marc LeMahieu"),
            ("PERSON", "Taeke Geurinks"),
            ("PHONE_NUMBER", "+31 96 957 2715"),
            ("PHONE_NUMBER", "926 359 123"),
        ]

    def test_markdown_headers_in_any_case_and_lower_case_names_are_read(self) -> None:
        assert found(MARKDOWN) == [
            ("DATE_OF_BIRTH", "16 March 1949"),
            ("EMAIL_ADDRESS", "iker@ziggo.nl"),
            ("PERSON", "iker velasco"),
            ("PHONE_NUMBER", "019601 28728"),
        ]

    def test_sql_client_output_with_its_rule_line_is_read(self) -> None:
        assert found(PSQL) == [("PERSON", "Ana Lima"), ("PHONE_NUMBER", "(75) 59246-0446")]

    def test_a_quoted_cell_keeps_its_comma(self) -> None:
        text = 'full_name,phone\n"Doe, Jane",+44 20 7946 0958\n'
        assert found(text) == [("PERSON", "Doe, Jane"), ("PHONE_NUMBER", "+44 20 7946 0958")]

    @pytest.mark.parametrize(
        "text",
        [
            # "name" alone names products, buckets and tables.
            "name,price,sku\nWidget Pro,19.99,SKU-1234\n",
            # Prose with commas is no table.
            "Please send the name, email and phone of the new hire, then the dob.\n",
            # A table ends at a line without its delimiter.
            "email,phone\n\nnote: call 0800 123 456 tomorrow\n",
        ],
    )
    def test_tables_without_personal_columns_and_prose_are_kept(self, text: str) -> None:
        assert found(text) == []

    def test_a_cell_that_does_not_look_like_its_type_is_kept(self) -> None:
        assert found("name,phone,dob\nAna Lima,n/a,£1,640.76\n") == [("PERSON", "Ana Lima")]
