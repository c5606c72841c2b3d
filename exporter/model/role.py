"""The role schema: one job role in one country, as a frozen, validated value.

A role file is a JSON object (see the README's schema table). The schema holds
the limits and rules of every field; reading files and reporting problems is
:mod:`exporter.model.rolefile`'s job. Derived values (salary change, percentage,
small-sample flag, slug) are properties, never stored in the file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from exporter.model.country import country_code
from exporter.model.currency import (
    SALARY_LIMIT_USD,
    currency_problem,
    is_known_currency,
    salary_limit,
)
from exporter.model.names import slugify
from exporter.model.text_policy import clean_text

__all__ = ["Role", "slugify"]

SCHEMA_VERSION = 1

#: Below this many data points a report flags its figures as a small sample.
SMALL_SAMPLE_THRESHOLD = 30

#: Salaries are whole units of the currency: below one is a data error, and so is more
#: than the currency's limit (:func:`exporter.model.currency.salary_limit`, about a
#: million US dollars a year).
MIN_SALARY = 1

#: A projection more than this many times above (or below) the current average is a data
#: error (cents given as units, a digit too many), not a forecast.
MAX_PROJECTION_FACTOR = 10

#: Largest role file read, in bytes.
MAX_FILE_BYTES = 1_000_000

#: Deepest JSON nesting accepted; a role needs three levels (checklist, item, text).
MAX_DEPTH = 8

#: Longest list accepted anywhere in a role file (each list field has its own limit too).
MAX_LIST_ITEMS = 50

#: Most problems (and most warnings) listed for one file; the rest are counted.
MAX_PROBLEMS = 25


def _character_policy(multiline: bool) -> BeforeValidator:
    """The character policy as a schema step, so a Role built any way holds clean text.

    :func:`parse_role_checked` applies the policy first (to report warnings with the
    field's full path); for data validated directly, removals happen silently and
    rejections are validation errors.
    """

    def apply(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the type check that follows says what is wrong
        result = clean_text(value, multiline=multiline)
        if result.errors:
            raise ValueError("; ".join(result.errors))
        return result.text

    return BeforeValidator(apply)


OneLine = _character_policy(multiline=False)
Multiline = _character_policy(multiline=True)

Text = Annotated[str, Field(min_length=1, max_length=200), OneLine]
Prose = Annotated[str, Field(max_length=20_000), Multiline]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Salary(_Frozen):
    """Current average and projected salary, in whole units of ``currency``."""

    currency: Annotated[str, Field(description="ISO 4217 code in use, e.g. CAD")]
    current_average: Annotated[Decimal, Field(ge=MIN_SALARY, allow_inf_nan=False)]
    projected: Annotated[Decimal, Field(ge=MIN_SALARY, allow_inf_nan=False)]

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if not is_known_currency(value):
            # Role adds the country's currency to this message (see Role._salary).
            raise ValueError(currency_problem(value, None))
        return value

    @field_validator("current_average", "projected", mode="before")
    @classmethod
    def _number_not_text(cls, value: Any) -> Any:
        # JSON gives numbers as int/float; "141,344" or true is a data error, not a coercion.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        return value

    @field_validator("current_average", "projected")
    @classmethod
    def _within_limit(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        if currency is not None:
            limit = salary_limit(currency)
            if value > limit:
                raise ValueError(
                    f"more than the limit for {currency}, {int(limit):,} (about "
                    f"{SALARY_LIMIT_USD:,} US dollars a year): a digit too many?"
                )
        return value

    @field_validator("projected")
    @classmethod
    def _plausible_projection(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        current = info.data.get("current_average")
        if current is not None:
            low, high = sorted((current, value))
            if high > low * MAX_PROJECTION_FACTOR:
                raise ValueError(
                    f"must be within {MAX_PROJECTION_FACTOR} times the current average ({current})"
                )
        return value


class Skills(_Frozen):
    """The top skill (Growth Catalyst) and the skills with a premium, in order."""

    top: Text
    premium: Annotated[tuple[Text, ...], Field(max_length=50)] = ()


class Certifications(_Frozen):
    """The key certification (Career Moat) and secondary ones, in order."""

    key: Text
    secondary: Annotated[tuple[Text, ...], Field(max_length=50)] = ()


class Sections(_Frozen):
    """The narrative text of each page section; ``**bold**`` marks bold terms."""

    market_overview: Prose
    regional_demand: Prose
    growth_catalyst: Prose
    career_moat: Prose
    skill_premium: Prose
    required_skills: Prose = ""
    ai_impact: Prose
    negotiation: Prose
    cost_of_living: Prose


class ChecklistItem(_Frozen):
    """One labelled bullet of the strategic checklist."""

    label: Text
    text: Annotated[str, Field(min_length=1, max_length=2_000), Multiline]


class Role(_Frozen):
    """One job role in one country, as the publisher's page describes it."""

    schema_version: StrictInt = SCHEMA_VERSION
    role: Text
    country: Text
    practice_area: Annotated[str, Field(max_length=200), OneLine] | None = None
    updated: Annotated[
        str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="month of the data, YYYY-MM")
    ]
    data_points: Annotated[StrictInt, Field(ge=1, le=1_000_000_000)]
    salary: Salary
    skills: Skills
    certifications: Certifications
    sections: Sections
    checklist: Annotated[tuple[ChecklistItem, ...], Field(max_length=50)] = ()
    #: Decisions taken when the role was imported from a page (e.g. which of two values
    #: a page that contradicts itself gave was kept). Optional; left out of the file
    #: when there are none, so role files without it stay as they are.
    import_decisions: Annotated[
        tuple[Annotated[str, Field(min_length=1, max_length=2_000), OneLine], ...],
        Field(max_length=10),
    ] = ()

    @model_serializer(mode="wrap")
    def _without_empty_decisions(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("import_decisions"):
            data.pop("import_decisions", None)
        return data

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema version {value}, expected {SCHEMA_VERSION}")
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        country_code(value)  # raises ValueError naming the country
        return value

    @field_validator("salary", mode="wrap")
    @classmethod
    def _salary(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Validate the salary; an unknown currency's error suggests the country's currency."""
        try:
            return handler(value)
        except ValidationError as exc:
            country = info.data.get("country")
            if country is None:
                raise
            errors: list[Any] = []
            for error in exc.errors():
                if error["loc"] == ("currency",) and error["type"] == "value_error":
                    message = currency_problem(str(error["input"]), country_code(country))
                    errors.append(
                        {
                            "type": PydanticCustomError(
                                "value_error", "{message}", {"message": message}
                            ),
                            "loc": error["loc"],
                            "input": error["input"],
                        }
                    )
                else:
                    errors.append(error)
            raise ValidationError.from_exception_data(exc.title, errors) from None

    # Derived values: computed, never stored.

    @property
    def updated_date(self) -> date:
        """First day of the month the data is from."""
        year, month = self.updated.split("-")
        return date(int(year), int(month), 1)

    @property
    def change(self) -> Decimal:
        """Projected minus current average salary."""
        return self.salary.projected - self.salary.current_average

    @property
    def change_ratio(self) -> Decimal:
        """Change as a fraction of the current average (0.08 for 8%)."""
        return self.change / self.salary.current_average

    @property
    def small_sample(self) -> bool:
        """True when the figures rest on too few data points to be taken at face value."""
        return self.data_points < SMALL_SAMPLE_THRESHOLD

    @property
    def slug(self) -> str:
        """Filesystem-safe name for this role's outputs: ``lead-backend-specialist-canada``."""
        return slugify(f"{self.role} {self.country}")

    @property
    def premium_skills(self) -> tuple[str, ...]:
        """Skills with a premium, the top skill first, without repeats."""
        return _unique((self.skills.top, *self.skills.premium))

    @property
    def certification_list(self) -> tuple[str, ...]:
        """Certifications, the key one first, without repeats."""
        return _unique((self.certifications.key, *self.certifications.secondary))


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
