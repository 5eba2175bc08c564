"""Experiment: can the multilingual encoder tell which film a French title names? (a dev probe, one run)

48 French titles of popular films (their English titles known) and 30 phrases that follow "comme"/"like" but
are no titles, each compared to the titles alone of the most voted films (the vectors the service builds for
its "did you mean" suggestions, :func:`~pelliculum_lib.recommending.meaning.most_voted`). For each: the closest
title, its cosine and its margin over the second. The question is whether a score or margin separates right
answers from phrases well enough to take a film without asking (the service only offers them).

    PELLICULUM_DATASET=../shared/data/movies.parquet python bench/title_translations.py

Writes reports/title_translations.{md,json}.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pelliculum_lib.config import PROJECT_ROOT, Settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.modeling.encoder import load_encoder
from pelliculum_lib.recommending.meaning import TITLE_MATCH, cached_vectors, most_voted
from pelliculum_lib.reports import write_report

TITLES = {
    "le parrain": "The Godfather", "les évadés": "The Shawshank Redemption",
    "le silence des agneaux": "The Silence of the Lambs", "retour vers le futur": "Back to the Future",
    "la ligne verte": "The Green Mile", "le roi lion": "The Lion King", "mon voisin totoro": "My Neighbor Totoro",
    "les dents de la mer": "Jaws", "vol au-dessus d'un nid de coucou": "One Flew Over the Cuckoo's Nest",
    "il faut sauver le soldat ryan": "Saving Private Ryan", "orange mécanique": "A Clockwork Orange",
    "les affranchis": "Goodfellas", "le cinquième élément": "The Fifth Element",
    "les aventuriers de l'arche perdue": "Raiders of the Lost Ark", "le voyage de chihiro": "Spirited Away",
    "le monde de nemo": "Finding Nemo", "les indestructibles": "The Incredibles", "la reine des neiges": "Frozen",
    "le labyrinthe de pan": "Pan's Labyrinth", "la mort aux trousses": "North by Northwest",
    "sueurs froides": "Vertigo", "fenêtre sur cour": "Rear Window", "les oiseaux": "The Birds",
    "le magicien d'oz": "The Wizard of Oz", "autant en emporte le vent": "Gone with the Wind",
    "le loup de wall street": "The Wolf of Wall Street", "la planète des singes": "Planet of the Apes",
    "le pianiste": "The Pianist", "la chute": "Downfall", "le prestige": "The Prestige",
    "l'étrange noël de monsieur jack": "The Nightmare Before Christmas", "le livre de la jungle": "The Jungle Book",
    "la belle et la bête": "Beauty and the Beast", "le bon, la brute et le truand": "The Good, the Bad and the Ugly",
    "la guerre des étoiles": "Star Wars", "les sept samouraïs": "Seven Samurai", "le septième sceau": "The Seventh Seal",
    "la grande évasion": "The Great Escape", "le pont de la rivière kwaï": "The Bridge on the River Kwai",
    "le train sifflera trois fois": "High Noon", "les temps modernes": "Modern Times",
    "le dictateur": "The Great Dictator", "le sixième sens": "The Sixth Sense", "la momie": "The Mummy",
    "les gardiens de la galaxie": "Guardians of the Galaxy", "le discours d'un roi": "The King's Speech",
    "la couleur pourpre": "The Color Purple", "le cercle des poètes disparus": "Dead Poets Society",
}
NOT_TITLES = [
    "la liste", "d'habitude", "un film d'auteur", "quand j'étais petit", "les films de mon enfance", "avant",
    "ça mais en mieux", "un lundi soir", "les films de noël", "un vieux film", "les dessins animés de disney",
    "la dernière fois", "mon père", "un bon polar", "les films d'action des années 90", "la série que j'ai vue",
    "un truc qui fait peur", "les films avec des robots", "a rollercoaster", "the ones my dad watched",
    "that one movie with the boat", "my childhood", "the old days", "a fever dream", "the books", "the video game",
    "a true story", "the stuff on netflix", "real life", "les contes de fées", "un roman de gare",
]


def main() -> None:
    settings = Settings(meaning="off")
    catalogue = Catalogue.load(settings=settings)
    ids, titles = most_voted(catalogue.movies)
    vectors = cached_vectors(ids, titles, load_encoder("e5-small"), settings.cache_dir, progress=True)
    labels = dict(zip(catalogue.movies["id"], catalogue.movies["label"]))
    rows = []
    for text, wanted in [*TITLES.items(), *((t, None) for t in NOT_TITLES)]:
        scores = vectors.text_scores(text)
        first, second = np.argsort(-scores, kind="stable")[:2]
        found = labels[int(ids[first])]
        rows.append({"named": text, "wanted": wanted, "closest": found, "cosine": float(scores[first]),
                     "margin": float(scores[first] - scores[second]), "right": found == wanted,
                     "title": wanted is not None})
    table = pd.DataFrame(rows)
    rules = []
    for margin in (0.0, 0.01, 0.02, 0.03, 0.04):
        taken = table[(table["margin"] >= margin) & (table["cosine"] >= TITLE_MATCH)]
        rules.append({"cosine ≥": TITLE_MATCH, "margin ≥": margin, "right": int(taken["right"].sum()),
                      "wrong": int((~taken["right"]).sum())})
    rules = pd.DataFrame(rules)
    print(rules, f"\nright closest title: {int(table['right'].sum())} of {int(table['title'].sum())}")
    write_report(PROJECT_ROOT / "reports" / "title_translations.md",
                 {"Taking the closest title without asking: right and wrong": rules.to_markdown(index=False),
                  "Every probe": table.round(3).to_markdown(index=False)},
                 {"dataset": settings.dataset, "titles encoded": len(ids), "French titles": len(TITLES),
                  "phrases that are no titles": len(NOT_TITLES),
                  "closest title right": int(table["right"].sum())},
                 title="Titles said in French: the encoder's closest title",
                 origin="Written by `bench/title_translations.py`.",
                 data={"rules": rules.to_dict("records"), "probes": table.to_dict("records")})


if __name__ == "__main__":
    main()
