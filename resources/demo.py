"""Demo library: the town's own documents, listed by title with a summary of our own. No copy
of them ships with the platform (../shared/DOMAIN.md): they stay unpublished until the operator
uploads each PDF in the admin and publishes it."""

from __future__ import annotations

from typing import Any

TOWN = "© Ville de Loos-en-Gohelle"

RESOURCES: list[dict[str, Any]] = [
    {
        "slug": "terre-de-transitions",
        "title_fr": "Loos-en-Gohelle, Terre de Transitions",
        "title_en": "Loos-en-Gohelle, Land of Transitions",
        "summary_fr": "Le livret de la ville : trente ans de conduite du changement dans une "
        "commune minière, à lire avant la visite.",
        "summary_en": "The town's booklet: thirty years of leading change in a mining town, to "
        "read before the visit.",
        "phase": "before",
        "themes": ["participation-citoyenne", "transmission"],
        "itineraries": ["ville-pilote-mine-soleil", "patrimoine-mondial-resilience"],
    },
    {
        "slug": "loos-ville-pilote-2011",
        "title_fr": "Loos Ville Pilote (document complet)",
        "title_en": "Loos, Pilot Town (complete document)",
        "summary_fr": "Le document de référence de la démarche « ville pilote du développement "
        "durable ».",
        "summary_en": 'The reference document of the "pilot town of sustainable development" '
        "approach.",
        "version": "janvier 2011",
        "phase": "after",
        "themes": ["participation-citoyenne"],
        "itineraries": ["ville-pilote-mine-soleil"],
    },
    {
        "slug": "loos-ville-pilote-addendum-2013",
        "title_fr": "Loos Ville Pilote : addendum",
        "title_en": "Loos, Pilot Town: addendum",
        "summary_fr": "La mise à jour du document de 2011.",
        "summary_en": "The update of the 2011 document.",
        "version": "15 janvier 2013",
        "phase": "after",
        "themes": ["participation-citoyenne"],
        "itineraries": ["ville-pilote-mine-soleil"],
    },
    {
        "slug": "fiche-transition-energetique-2013",
        "title_fr": "Fiche « Transition énergétique »",
        "title_en": 'Fact sheet "Energy transition"',
        "summary_fr": "La stratégie énergétique de la ville en une fiche, avec l'encart sur le "
        "territoire à énergie positive (TEPOS).",
        "summary_en": "The town's energy strategy on one sheet, with the insert on the "
        "positive-energy territory (TEPOS).",
        "version": "mars 2013",
        "phase": "before",
        "themes": ["energie"],
        "itineraries": ["base-11-19-terrils-jumeaux", "ville-pilote-mine-soleil"],
    },
]
