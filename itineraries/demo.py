"""Demo catalogue: the real sites of the Loos-en-Gohelle basin and three suggested itineraries.

Coordinates are WGS84 and approximate. All prices here are *invented* for the demo, except where a
comment says they follow the published school-group rates; the operator sets the real ones.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

THEMES: list[dict[str, Any]] = [
    {
        "slug": "participation-citoyenne",
        "name_fr": "Implication citoyenne",
        "name_en": "Citizen involvement",
        "description_fr": "Les habitants associés à la conception et à la conduite des projets : "
        "l'implication citoyenne comme moteur de l'action publique.",
        "description_en": "Residents involved in designing and running projects: citizen "
        "involvement as the driver of public policy.",
    },
    {
        "slug": "alimentation-durable",
        "name_fr": "Alimentation durable",
        "name_en": "Sustainable food",
        "description_fr": "La terre et le dialogue comme socle d'une alimentation durable.",
        "description_en": "Land and dialogue as the basis of sustainable food.",
    },
    {
        "slug": "culture",
        "name_fr": "Culture, bien commun",
        "name_en": "Culture as common ground",
        "description_fr": "La culture comme terrain commun d'un territoire minier en transition.",
        "description_en": "Culture as common ground for a mining territory in transition.",
    },
    {
        "slug": "biodiversite-urbanisme",
        "name_fr": "Biodiversité et urbanisme",
        "name_en": "Biodiversity and urbanism",
        "description_fr": "Terrils devenus réservoirs de biodiversité, cités minières rénovées.",
        "description_en": "Slag heaps turned into wildlife reserves, renovated mining estates.",
    },
    {
        "slug": "energie",
        "name_fr": "Énergie : sous les mines le soleil !",
        "name_en": "Energy: under the mines, the sun!",
        "description_fr": "Plateforme solaire de recherche, toitures solaires citoyennes, "
        "rénovation basse consommation.",
        "description_en": "Solar research platform, citizen-owned solar roofs, low-energy "
        "renovation.",
    },
    {
        "slug": "transmission",
        "name_fr": "La transition comme transmission",
        "name_en": "Transition as transmission",
        "description_fr": "Le bassin minier, destination de voyages apprenants sur la résilience.",
        "description_en": "The mining basin as a destination for learning journeys on resilience.",
    },
]

SITES: list[dict[str, Any]] = [
    {
        "slug": "base-11-19",
        "name_fr": "Base 11/19",
        "name_en": "Base 11/19",
        "address": "Rue de Bourgogne, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.44320"),
        "longitude": Decimal("2.78850"),
        "max_visitors": 60,
        "description_fr": "Fosse exploitée de 1894 à 1986 : chevalement métallique du puits 11 "
        "(années 1920) et tour de béton du puits 19 (1960, 66 m), monument historique.",
        "description_en": "Pit worked from 1894 to 1986: steel headframe of shaft 11 (1920s) and "
        "concrete tower of shaft 19 (1960, 66 m), a listed historic monument.",
    },
    {
        "slug": "terril-74",
        "name_fr": "Terril 74",
        "name_en": "Slag heap 74",
        "address": "Base 11/19, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.44180"),
        "longitude": Decimal("2.78500"),
        "max_visitors": 1,
        "is_bookable": False,
        "description_fr": "L'un des terrils jumeaux (186 m). Fermé au public.",
        "description_en": "One of the twin slag heaps (186 m). Closed to the public.",
        "safety_notes_fr": "Accès interdit.",
        "safety_notes_en": "No access.",
    },
    {
        "slug": "terril-74a",
        "name_fr": "Terril 74A",
        "name_en": "Slag heap 74A",
        "address": "Base 11/19, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.44240"),
        "longitude": Decimal("2.78660"),
        "max_visitors": 40,
        "minimum_age": 6,
        "description_fr": "186 m, parmi les plus hauts d'Europe : vue à 360 degrés, faune riche. "
        "Montée 30 à 45 min, descente 20 à 30 min.",
        "description_en": "186 m, among the highest in Europe: a 360-degree view and rich "
        "wildlife. 30-45 min up, 20-30 min down.",
        "safety_notes_fr": "Cône raide et glissant : chaussures de marche indispensables ; "
        "difficile pour les enfants de moins de 6 ans.",
        "safety_notes_en": "Steep, slippery cone: walking shoes required; hard for children under "
        "6.",
    },
    {
        "slug": "cd2e",
        "name_fr": "Showroom de l'écoconstruction (CD2E)",
        "name_en": "Eco-construction showroom (CD2E)",
        "address": "Base 11/19, rue de Bourgogne, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.44300"),
        "longitude": Decimal("2.78900"),
        "max_visitors": 35,
        "wheelchair_accessible": True,
        "description_fr": "Matériauthèque et maquettes à l'échelle 1 dans l'ancienne salle des "
        "machines.",
        "description_en": "Materials library and full-scale mock-ups in the former machine hall.",
    },
    {
        "slug": "lumiwatt",
        "name_fr": "Plateforme solaire LumiWatt",
        "name_en": "LumiWatt solar research platform",
        "address": "Base 11/19, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.44360"),
        "longitude": Decimal("2.78750"),
        "max_visitors": 30,
        "description_fr": "Environ 22 installations de 3 kWc, 10 technologies, fixes et sur "
        "trackers.",
        "description_en": "About 22 arrays of 3 kWp, 10 technologies, fixed and tracking.",
    },
    {
        "slug": "rehafutur",
        "name_fr": "Réhafutur",
        "name_en": "Réhafutur",
        "address": "Cité 11, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.44280"),
        "longitude": Decimal("2.78960"),
        "max_visitors": 30,
        "description_fr": "Maison d'ingénieur des années 1920 rénovée en très basse consommation, "
        "et maisons de mineurs.",
        "description_en": "A 1920s engineer's house renovated to very low energy use, and miners' "
        "houses.",
        "safety_notes_fr": "Visite de l'intérieur par petits groupes.",
        "safety_notes_en": "Small groups inside.",
    },
    {
        "slug": "eglise-saint-vaast",
        "name_fr": "Toiture solaire de l'église Saint-Vaast",
        "name_en": "Saint-Vaast church solar roof",
        "address": "Place de la République, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.45830"),
        "longitude": Decimal("2.79420"),
        "max_visitors": 40,
        "description_fr": "235 m² de panneaux solaires sur le toit de l'église.",
        "description_en": "235 m² of solar panels on the church roof.",
    },
    {
        "slug": "mine-de-soleil",
        "name_fr": "Toits citoyens Mine de Soleil",
        "name_en": "Mine de Soleil citizen roofs",
        "address": "Centre-ville, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.45700"),
        "longitude": Decimal("2.79600"),
        "max_visitors": 40,
        "description_fr": "Société citoyenne : 8 toitures, 450 kWc, 130 actionnaires habitants.",
        "description_en": "Citizen-owned company: 8 roofs, 450 kWp, 130 citizen shareholders.",
    },
    {
        "slug": "ferme-urbaine",
        "name_fr": "Ferme urbaine et café d'insertion (Écopôle de Gohelle)",
        "name_en": "Urban farm and inclusion café (Écopôle de Gohelle)",
        "address": "Écopôle de Gohelle, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.45250"),
        "longitude": Decimal("2.78100"),
        "max_visitors": 60,
        "wheelchair_accessible": True,
        "description_fr": "Réseau alimentaire urbain de 2,5 ha, micro-ferme, monnaie locale ; "
        "déjeuner possible.",
        "description_en": "A 2.5 ha urban food network, micro-farm and local currency; lunch "
        "possible.",
    },
    {
        "slug": "quartier-ouest",
        "name_fr": "Écoquartier Quartier Ouest",
        "name_en": "Quartier Ouest eco-district",
        "address": "Quartier Ouest, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.45400"),
        "longitude": Decimal("2.77000"),
        "max_visitors": 60,
        "description_fr": "Environ 700 logements de l'époque minière et une ancienne fosse de "
        "35 ha en renouvellement.",
        "description_en": "About 700 mining-era homes and a 35 ha former pit site under renewal.",
    },
    {
        "slug": "mairie",
        "name_fr": "Mairie, salle d'honneur",
        "name_en": "Town hall, salle d'honneur",
        "address": "Place de la République, 62750 Loos-en-Gohelle",
        "latitude": Decimal("50.45790"),
        "longitude": Decimal("2.79350"),
        "max_visitors": 80,
        "wheelchair_accessible": True,
        "description_fr": "L'introduction d'une heure qui ouvre une journée type : la méthode "
        "loossoise de conduite du changement.",
        "description_en": "The one-hour introduction that opens a typical day: the town's method "
        "for leading change.",
    },
    {
        "slug": "louvre-lens",
        "name_fr": "Louvre-Lens",
        "name_en": "Louvre-Lens",
        "address": "99 rue Paul Bert, 62300 Lens",
        "latitude": Decimal("50.43060"),
        "longitude": Decimal("2.80330"),
        "max_visitors": 150,
        "wheelchair_accessible": True,
        "description_fr": "Musée construit sur l'ancienne fosse 9 ; point de rendez-vous des cars.",
        "description_en": "Museum built on former pit 9; coach meeting point.",
    },
    {
        "slug": "9-9bis",
        "name_fr": "9-9bis, Oignies",
        "name_en": "9-9bis, Oignies",
        "address": "Rue Alfred Dezoteux, 62590 Oignies",
        "latitude": Decimal("50.46080"),
        "longitude": Decimal("2.98700"),
        "max_visitors": 80,
        "description_fr": "Dernier charbon remonté en décembre 1990 ; aujourd'hui "
        "salle de musique.",
        "description_en": "The last coal was raised here in December 1990; now a music venue.",
    },
    {
        "slug": "lewarde",
        "name_fr": "Centre historique minier, Lewarde",
        "name_en": "Mining history centre, Lewarde",
        "address": "Fosse Delloye, 59287 Lewarde",
        "latitude": Decimal("50.33170"),
        "longitude": Decimal("3.17260"),
        "max_visitors": 60,
        "description_fr": "Musée de la mine et ses galeries.",
        "description_en": "Mining museum with its galleries.",
        "safety_notes_fr": "Groupes de 20 personnes ou plus : réservation préalable.",
        "safety_notes_en": "Groups of 20 or more book ahead.",
    },
    {
        "slug": "cite-des-electriciens",
        "name_fr": "Cité des Électriciens, Bruay-la-Buissière",
        "name_en": "Cité des Électriciens, Bruay-la-Buissière",
        "address": "Rue Augustin Caron, 62700 Bruay-la-Buissière",
        "latitude": Decimal("50.48130"),
        "longitude": Decimal("2.55600"),
        "max_visitors": 25,
        "wheelchair_accessible": True,
        "description_fr": "La plus ancienne cité minière (1856-1861).",
        "description_en": "The oldest mining housing estate (1856-61).",
    },
]


def _stop(
    site: str, offset: int, duration: int, fr: str, en: str, text_fr: str, text_en: str
) -> dict[str, Any]:
    return {
        "site": site,
        "offset_minutes": offset,
        "duration_minutes": duration,
        "title_fr": fr,
        "title_en": en,
        "text_fr": text_fr,
        "text_en": text_en,
    }


ITINERARIES: list[dict[str, Any]] = [
    {
        "slug": "base-11-19-terrils-jumeaux",
        "title_fr": "Base 11/19 et terrils jumeaux",
        "title_en": "Base 11/19 and the twin slag heaps",
        "summary_fr": "Une demi-journée entre chevalements, ascension du terril 74A et "
        "plateforme solaire.",
        "summary_en": "A half-day among headframes, the climb of slag heap 74A and the solar "
        "platform.",
        "description_fr": "Du carreau de fosse aux 186 m du terril 74A, comprendre comment un "
        "site minier est devenu un lieu de recherche sur l'énergie solaire.",
        "description_en": "From the pithead to the 186 m summit of heap 74A, see how a mining "
        "site became a place of solar-energy research.",
        "practical_notes_fr": "Chaussures de marche indispensables pour le terril (montée "
        "raide et glissante). Déconseillé aux enfants de moins de 6 ans.",
        "practical_notes_en": "Walking shoes are a must for the slag heap (steep, slippery "
        "climb). Not advised for children under 6.",
        "includes_fr": "Guide-conférencier, accès aux sites.",
        "includes_en": "Guide, access to the sites.",
        "meeting_point_fr": "Base 11/19, entrée rue de Bourgogne",
        "meeting_point_en": "Base 11/19, rue de Bourgogne entrance",
        "meeting_site": "base-11-19",
        "themes": ["energie", "biodiversite-urbanisme", "transmission"],
        "languages": ["fr", "en", "nl"],
        "min_participants": 10,
        "max_participants": 30,
        # Invented adult rate; the school rate for a 3 h walk is about 175-180 EUR per class.
        "price_per_person_cents": 1500,
        "minimum_charge_cents": 15000,
        "vat_rate": Decimal("20.00"),
        "deposit_percent": 30,
        "private_start_times": ["09:00", "13:30"],
        "stops": [
            _stop(
                "base-11-19",
                0,
                75,
                "Les chevalements de la Base 11/19",
                "The headframes of Base 11/19",
                "Le chevalement métallique du puits 11 et la tour de béton du puits 19.",
                "The steel headframe of shaft 11 and the concrete tower of shaft 19.",
            ),
            _stop(
                "terril-74a",
                80,
                85,
                "Ascension du terril 74A",
                "Climbing slag heap 74A",
                "Montée au sommet (186 m), vue à 360 degrés sur le bassin minier.",
                "Up to the summit (186 m), a 360-degree view over the mining basin.",
            ),
            _stop(
                "lumiwatt",
                170,
                40,
                "Plateforme solaire LumiWatt",
                "LumiWatt solar platform",
                "Dix technologies photovoltaïques comparées en conditions réelles.",
                "Ten photovoltaic technologies compared in real conditions.",
            ),
        ],
        "options": [],
    },
    {
        "slug": "ville-pilote-mine-soleil",
        "title_fr": "Ville pilote : de la mine au soleil",
        "title_en": "Pilot town: from the mine to the sun",
        "summary_fr": "Une journée pour comprendre la méthode loossoise : participation, "
        "écoconstruction, énergie solaire et alimentation.",
        "summary_en": "A day to understand the Loos method: participation, eco-construction, "
        "solar energy and food.",
        "description_fr": "Démonstrateur national de la conduite du changement vers la ville "
        "durable (ADEME, 2014) : les élus et les habitants racontent les « petits pas ».",
        "description_en": "National demonstrator of change towards the sustainable city "
        "(ADEME, 2014): elected officials and residents tell the story of the 'small steps'.",
        "practical_notes_fr": "Journée entièrement à pied entre les sites du centre et de la "
        "Base 11/19 ; prévoir des vêtements de pluie.",
        "practical_notes_en": "A full day on foot between the town centre and Base 11/19; "
        "bring rain gear.",
        "includes_fr": "Introduction en mairie, guide pour la journée, accès aux sites.",
        "includes_en": "Introduction at the town hall, guide for the day, access to the sites.",
        "meeting_point_fr": "Mairie de Loos-en-Gohelle, place de la République",
        "meeting_point_en": "Loos-en-Gohelle town hall, place de la République",
        "meeting_site": "mairie",
        "themes": [
            "participation-citoyenne",
            "energie",
            "alimentation-durable",
            "biodiversite-urbanisme",
        ],
        "languages": ["fr", "en", "de"],
        "min_participants": 10,
        "max_participants": 30,
        # Invented: adult and full-day prices are not published.
        "price_per_person_cents": 3500,
        "minimum_charge_cents": 40000,
        "vat_rate": Decimal("20.00"),
        "deposit_percent": 30,
        "private_start_times": ["09:00"],
        "stops": [
            _stop(
                "mairie",
                0,
                60,
                "Introduction en salle d'honneur",
                "Introduction in the salle d'honneur",
                "La conduite du changement racontée par la commune.",
                "How the town led change, told by the town itself.",
            ),
            _stop(
                "base-11-19",
                75,
                75,
                "Base 11/19",
                "Base 11/19",
                "Le carreau de fosse reconverti en pôle d'excellence.",
                "The pithead turned into a centre of excellence.",
            ),
            _stop(
                "cd2e",
                150,
                45,
                "Showroom de l'écoconstruction",
                "Eco-construction showroom",
                "Matériaux biosourcés et maquettes à l'échelle 1.",
                "Bio-based materials and full-scale mock-ups.",
            ),
            _stop(
                "lumiwatt",
                195,
                30,
                "Plateforme LumiWatt",
                "LumiWatt platform",
                "La recherche solaire sur un ancien site minier.",
                "Solar research on a former mining site.",
            ),
            _stop(
                "ferme-urbaine",
                240,
                90,
                "Déjeuner à la ferme urbaine",
                "Lunch at the urban farm",
                "Réseau alimentaire urbain et café d'insertion.",
                "Urban food network and inclusion café.",
            ),
            _stop(
                "eglise-saint-vaast",
                345,
                30,
                "Toiture solaire de l'église",
                "The church's solar roof",
                "235 m² de panneaux installés sur un édifice du XIXe siècle.",
                "235 m² of panels on a nineteenth-century building.",
            ),
            _stop(
                "mine-de-soleil",
                380,
                40,
                "Toits citoyens Mine de Soleil",
                "Mine de Soleil citizen roofs",
                "Une société d'habitants producteurs d'énergie.",
                "A company of residents producing energy.",
            ),
            _stop(
                "quartier-ouest",
                435,
                60,
                "Écoquartier Quartier Ouest",
                "Quartier Ouest eco-district",
                "Rénovation d'une cité minière avec ses habitants.",
                "Renewing a mining estate with its residents.",
            ),
        ],
        "options": [
            # Invented price; restaurant meals are at the 10 % VAT rate in France.
            {
                "code": "lunch",
                "name_fr": "Déjeuner à la ferme urbaine",
                "name_en": "Lunch at the urban farm",
                "price_per_person_cents": 1800,
                "vat_rate": Decimal("10.00"),
                "description_fr": "Menu de saison du café d'insertion.",
                "description_en": "Seasonal menu from the inclusion café.",
            },
            # Invented price; passenger transport is at the 10 % VAT rate in France.
            {
                "code": "coach",
                "name_fr": "Transfert en car depuis la gare de Lens",
                "name_en": "Coach transfer from Lens station",
                "price_per_person_cents": 900,
                "vat_rate": Decimal("10.00"),
            },
        ],
    },
    {
        "slug": "patrimoine-mondial-resilience",
        "title_fr": "Patrimoine mondial et résilience",
        "title_en": "World Heritage and resilience",
        "summary_fr": "Deux jours dans le bassin minier inscrit à l'UNESCO : Loos-en-Gohelle, "
        "Louvre-Lens, Lewarde et la Cité des Électriciens.",
        "summary_en": "Two days in the UNESCO-listed mining basin: Loos-en-Gohelle, "
        "Louvre-Lens, Lewarde and the Cité des Électriciens.",
        "description_fr": "Le bassin minier du Nord-Pas-de-Calais, inscrit le 30 juin 2012 "
        "comme paysage culturel évolutif : 353 éléments sur 109 sites.",
        "description_en": "The Nord-Pas-de-Calais mining basin, inscribed on 30 June 2012 as an "
        "evolving cultural landscape: 353 elements on 109 sites.",
        "practical_notes_fr": "Transferts en car entre les sites le deuxième jour. Hébergement "
        "non compris.",
        "practical_notes_en": "Coach transfers between sites on the second day. Accommodation "
        "not included.",
        "includes_fr": "Guide pour les deux jours, entrées des musées.",
        "includes_en": "Guide for both days, museum entrance fees.",
        "meeting_point_fr": "Mairie de Loos-en-Gohelle, place de la République",
        "meeting_point_en": "Loos-en-Gohelle town hall, place de la République",
        "meeting_site": "mairie",
        "themes": ["culture", "transmission", "participation-citoyenne"],
        "languages": ["fr", "en"],
        "min_participants": 12,
        "max_participants": 25,
        # Invented: multi-day prices are not published.
        "price_per_person_cents": 9500,
        "minimum_charge_cents": 120000,
        "vat_rate": Decimal("20.00"),
        "deposit_percent": 40,
        "private_start_times": ["09:00"],
        "lead_time_days": 14,
        "stops": [
            _stop(
                "mairie",
                0,
                60,
                "Introduction en mairie",
                "Introduction at the town hall",
                "La ville durable, méthode et résultats.",
                "The sustainable town: method and results.",
            ),
            _stop(
                "base-11-19",
                75,
                90,
                "Base 11/19",
                "Base 11/19",
                "Chevalements et terrils, patrimoine mondial.",
                "Headframes and slag heaps, World Heritage.",
            ),
            _stop(
                "rehafutur",
                180,
                45,
                "Réhafutur",
                "Réhafutur",
                "Rénovation très basse consommation d'une maison d'ingénieur.",
                "Very-low-energy renovation of an engineer's house.",
            ),
            _stop(
                "ferme-urbaine",
                240,
                75,
                "Déjeuner à la ferme urbaine",
                "Lunch at the urban farm",
                "Circuit court et insertion.",
                "Short supply chains and social inclusion.",
            ),
            _stop(
                "quartier-ouest",
                330,
                60,
                "Quartier Ouest",
                "Quartier Ouest",
                "Cités minières en renouvellement.",
                "Mining estates under renewal.",
            ),
            _stop(
                "louvre-lens",
                1440,
                150,
                "Louvre-Lens",
                "Louvre-Lens",
                "Un musée sur l'ancienne fosse 9.",
                "A museum on former pit 9.",
            ),
            _stop(
                "lewarde",
                1650,
                120,
                "Centre historique minier de Lewarde",
                "Lewarde mining history centre",
                "Galeries et mémoire des mineurs.",
                "Galleries and miners' memories.",
            ),
            _stop(
                "cite-des-electriciens",
                1830,
                90,
                "Cité des Électriciens",
                "Cité des Électriciens",
                "La plus ancienne cité minière (1856-1861).",
                "The oldest mining housing estate (1856-61).",
            ),
        ],
        "options": [],
    },
]

# Public departures: (itinerary slug, weekday 0=Monday, start "HH:MM", language, every N weeks).
SEASON: list[tuple[str, int, str, str, int]] = [
    ("base-11-19-terrils-jumeaux", 2, "14:00", "fr", 1),
    ("base-11-19-terrils-jumeaux", 5, "09:30", "fr", 1),
    ("base-11-19-terrils-jumeaux", 5, "14:00", "en", 2),
    ("ville-pilote-mine-soleil", 3, "09:00", "fr", 1),
    ("ville-pilote-mine-soleil", 1, "09:00", "en", 4),
    ("patrimoine-mondial-resilience", 0, "09:00", "fr", 2),
]
SEASON_DAYS = 120

# What each site demonstrates, for the public map (docs/map.md). Categories are
# itineraries.models.SiteCategory codes. Accessibility notes repeat only what ../shared/DOMAIN.md
# says of each site; where it says nothing, nothing is written.
SITE_MAP: dict[str, dict[str, Any]] = {
    "base-11-19": {
        "categories": ["mining_heritage", "culture"],
        "demonstrates_fr": "Un carreau de fosse devenu lieu de culture, d'écoentreprises et de "
        "recherche : la scène nationale Culture Commune y travaille, au pied des chevalements.",
        "demonstrates_en": "A pithead turned into a place of culture, eco-businesses and "
        "research: the Culture Commune national theatre stage works here, below the headframes.",
        "accessibility_notes_fr": "Visite guidée à pied d'environ 1 h 30, en extérieur.",
        "accessibility_notes_en": "Guided walk of about 1 h 30, outdoors.",
    },
    "terril-74": {
        "categories": ["mining_heritage", "biodiversity_water"],
        "demonstrates_fr": "Le terril jumeau laissé à la nature : vu depuis le 74A, jamais visité.",
        "demonstrates_en": "The twin heap left to nature: seen from 74A, never visited.",
        "accessibility_notes_fr": "Fermé au public.",
        "accessibility_notes_en": "Closed to the public.",
    },
    "terril-74a": {
        "categories": ["mining_heritage", "biodiversity_water"],
        "demonstrates_fr": "Un terril de 186 m devenu réservoir de biodiversité, avec une vue à "
        "360 degrés sur le bassin minier.",
        "demonstrates_en": "A 186 m slag heap turned into a wildlife reserve, with a 360-degree "
        "view of the mining basin.",
        "accessibility_notes_fr": "Montée 30 à 45 min, descente 20 à 30 min ; cône raide et "
        "glissant, chaussures de marche ; difficile avant 6 ans ; pas d'accès en fauteuil.",
        "accessibility_notes_en": "30-45 min up, 20-30 min down; steep, slippery cone, walking "
        "shoes; hard for children under 6; no wheelchair access.",
    },
    "cd2e": {
        "categories": ["eco_construction"],
        "demonstrates_fr": "Les matériaux de l'écoconstruction en vrai : matériauthèque et "
        "maquettes à l'échelle 1 dans l'ancienne salle des machines.",
        "demonstrates_en": "Eco-construction materials for real: a materials library and "
        "full-scale mock-ups in the former machine hall.",
        "accessibility_notes_fr": "En intérieur.",
        "accessibility_notes_en": "Indoors.",
    },
    "lumiwatt": {
        "categories": ["solar_pv"],
        "demonstrates_fr": "Le photovoltaïque fonctionne dans le Nord : dix technologies "
        "comparées côte à côte, sur supports fixes et sur trackers.",
        "demonstrates_en": "Solar power works in the North: ten technologies compared side by "
        "side, fixed and on trackers.",
        "accessibility_notes_fr": "En extérieur.",
        "accessibility_notes_en": "Outdoors.",
    },
    "rehafutur": {
        "categories": ["energy_renovation", "eco_construction"],
        "demonstrates_fr": "Rénover l'habitat minier en très basse consommation, avec des "
        "matériaux biosourcés : une maison d'ingénieur des années 1920 et des maisons de mineurs.",
        "demonstrates_en": "Renovating mining-era homes to very low energy use with bio-based "
        "materials: a 1920s engineer's house and miners' houses.",
        "accessibility_notes_fr": "Intérieur visité par petits groupes.",
        "accessibility_notes_en": "Small groups inside.",
    },
    "eglise-saint-vaast": {
        "categories": ["solar_pv", "biodiversity_water"],
        "demonstrates_fr": "Une toiture d'église refaite en panneaux solaires plutôt qu'en "
        "ardoises, avec une cuve de récupération de l'eau de pluie.",
        "demonstrates_en": "A church roof rebuilt with solar panels instead of slates, with a "
        "rainwater tank.",
    },
    "mine-de-soleil": {
        "categories": ["solar_pv"],
        "demonstrates_fr": "Une société citoyenne qui équipe les toits des bâtiments communaux : "
        "les habitants actionnaires et décideurs.",
        "demonstrates_en": "A citizen-owned company that puts solar panels on the town's "
        "buildings: residents as shareholders and decision makers.",
    },
    "ferme-urbaine": {
        "categories": ["food_farming"],
        "demonstrates_fr": "Une alimentation durable à l'échelle de la ville : micro-ferme, "
        "réseau alimentaire urbain, café d'insertion et monnaie locale.",
        "demonstrates_en": "Sustainable food at the scale of a town: a micro-farm, an urban "
        "food network, an inclusion café and a local currency.",
    },
    "quartier-ouest": {
        "categories": ["energy_renovation", "mining_heritage"],
        "demonstrates_fr": "Le renouvellement d'un quartier de cités minières et d'une ancienne "
        "fosse, conduit avec les habitants.",
        "demonstrates_en": "The renewal of a district of mining estates and a former pit site, "
        "led with the residents.",
        "accessibility_notes_fr": "Visite à pied.",
        "accessibility_notes_en": "On foot.",
    },
    "mairie": {
        "categories": [],
        "demonstrates_fr": "La méthode : l'implication des habitants et les « petits pas », "
        "racontés par la ville qui les pratique.",
        "demonstrates_en": 'The method: residents involved and "small steps", told by the '
        "town that practises them.",
    },
    "louvre-lens": {
        "categories": ["culture", "mining_heritage"],
        "demonstrates_fr": "Un grand musée national sur un ancien carreau de fosse.",
        "demonstrates_en": "A major national museum on a former pithead.",
    },
    "9-9bis": {
        "categories": ["mining_heritage", "culture"],
        "demonstrates_fr": "La dernière fosse du bassin reconvertie en lieu de musique.",
        "demonstrates_en": "The basin's last pit turned into a music venue.",
        "accessibility_notes_fr": "Visite de 45 à 60 min.",
        "accessibility_notes_en": "A 45-60 min visit.",
    },
    "lewarde": {
        "categories": ["mining_heritage"],
        "demonstrates_fr": "La mémoire du travail de la mine, dans ses galeries.",
        "demonstrates_en": "The memory of mining work, in its galleries.",
        "accessibility_notes_fr": "Groupes de 20 personnes ou plus : réservation préalable.",
        "accessibility_notes_en": "Groups of 20 or more book ahead.",
    },
    "cite-des-electriciens": {
        "categories": ["mining_heritage", "culture"],
        "demonstrates_fr": "La plus ancienne cité minière du bassin, restaurée en centre "
        "d'interprétation.",
        "demonstrates_en": "The basin's oldest mining housing estate, restored as an "
        "interpretation centre.",
        "accessibility_notes_fr": "Accessible en fauteuil roulant ; groupes de 10 à 25.",
        "accessibility_notes_en": "Wheelchair accessible; groups of 10 to 25.",
    },
}

# Key figures, each with its year and the public source it was read in. Sites without a figure
# here have none that we could source: the map shows none rather than an unsourced number.
_UNESCO = ("UNESCO, Nord-Pas de Calais Mining Basin", "https://whc.unesco.org/en/list/1360")
_CLER = (
    "CLER, « Loos-en-Gohelle : territoire d'accueil de la 14e édition des Rencontres TEPOS »",
    "https://cler.org/loos-en-gohelle-territoire-daccueil-de-la-14e-edition-des-rencontres-tepos/",
)
_EGLISE = (
    "Églises et écologies, « Au Nord, le soleil dans le cœur… et sur le toit des églises », "
    "4 juin 2013",
    "https://eglisesetecologies.com/2013/06/04/au-nord-le-soleil-dans-le-coeur-et-sur-le-toit-"
    "des-eglises/",
)
_SEM = (
    "SEM Énergies Hauts-de-France, « Mine de Soleil à Loos-en-Gohelle »",
    "https://www.energies-hdf.fr/portfolio/une-mine-de-soleil-a-loos-en-gohelle/",
)
_LUMIWATT = (
    "Environnement Magazine, « Une plateforme solaire dans le Nord-Pas-de-Calais », "
    "1er décembre 2010",
    "https://www.environnement-magazine.fr/energie/article/2010/12/01/7021/une-plateforme-"
    "solaire-dans-nordpasdecalais",
)


def _figure(
    fr: str, en: str, value: str, unit: tuple[str, str], year: int, source: tuple[str, str]
) -> dict[str, Any]:
    return {
        "label_fr": fr,
        "label_en": en,
        "value": value,
        "unit_fr": unit[0],
        "unit_en": unit[1],
        "year": year,
        "source": source[0],
        "source_url": source[1],
    }


SITE_FIGURES: dict[str, list[dict[str, Any]]] = {
    "base-11-19": [
        _figure(
            "Bassin minier inscrit au patrimoine mondial",
            "Mining basin inscribed as World Heritage",
            "30/06/2012",
            ("", ""),
            2012,
            _UNESCO,
        ),
    ],
    "lumiwatt": [
        _figure("Mini-centrales de 3 kWc", "Arrays of 3 kWp", "22", ("", ""), 2010, _LUMIWATT),
        _figure("Technologies comparées", "Technologies compared", "10", ("", ""), 2010, _LUMIWATT),
    ],
    "eglise-saint-vaast": [
        _figure("Surface de panneaux", "Panel surface", "235", ("m²", "m²"), 2024, _CLER),
        _figure("Puissance installée", "Installed power", "35", ("kWc", "kWp"), 2013, _EGLISE),
        _figure("Cuve d'eau de pluie", "Rainwater tank", "25 000", ("L", "L"), 2013, _EGLISE),
    ],
    "mine-de-soleil": [
        _figure("Toitures communales équipées", "Town roofs equipped", "8", ("", ""), 2019, _SEM),
        _figure("Puissance cumulée", "Combined power", "450", ("kWc", "kWp"), 2019, _SEM),
        _figure("Citoyens actionnaires", "Citizen shareholders", "130", ("", ""), 2024, _CLER),
    ],
}

# The minimum of the itineraries that have public departures (issue 18, item 4): below it on
# its decision day, a departure is cancelled with full refunds (visits.go_no_go). ../shared/
# DOMAIN.md gives groups of 10 to 30 but no minimum for departures shared by several groups:
# these figures and decision delays are *invented* for the demo.
GO_NO_GO: dict[str, dict[str, int]] = {
    "base-11-19-terrils-jumeaux": {"departure_minimum": 15, "decision_days": 7},
    "ville-pilote-mine-soleil": {"departure_minimum": 15, "decision_days": 14},
    "patrimoine-mondial-resilience": {"departure_minimum": 20, "decision_days": 21},
}
