"""MovieLens parsing: every layout from tiny generated files, title cleaning, layout detection."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from marquee.services.imports.demographics import age_band
from marquee.services.imports.movielens import (
    DatasetError,
    Layout,
    detect,
    read_links,
    read_movies,
    read_ratings,
    read_tags,
    read_users,
    tag_weights,
)
from marquee.services.imports.movielens_formats import Tag
from marquee.services.imports.titles import clean_title


def flags(*on: int) -> str:
    """The 19 ml-100k genre flags with the given positions set."""
    return "|".join("1" if i in on else "0" for i in range(19))


def write(path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))


def make_100k(root: Path) -> Path:
    d = root / "ml-100k"
    genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
              "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
              "Romance", "Sci-Fi", "Thriller", "War", "Western"]  # fmt: skip
    write(d / "u.genre", "".join(f"{g}|{i}\n" for i, g in enumerate(genres)) + "\n")
    write(
        d / "u.item",
        f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy|{flags(3, 4, 5)}\n"
        f"2|Misérables, Les (1995)|01-Jan-1995||http://x|{flags(8)}\n"
        f"3|unknown||||{flags(0)}\n",
        encoding="latin-1",
    )
    write(d / "u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n")
    write(d / "u.data", "1\t1\t5\t874965758\n2\t2\t3\t876893171\n1\t3\t4\t878542960\n")
    return d


def make_1m(root: Path) -> Path:
    d = root / "ml-1m"
    write(d / "movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n"
          "73::Misérables, Les (1995)::Drama|War\n", encoding="latin-1")  # fmt: skip
    write(d / "users.dat", "1::F::1::10::48067\n2::M::56::12::70072\n")
    write(d / "ratings.dat", "1::1::5::978300760\n2::73::3::978302109\n")
    return d


def make_10m(root: Path) -> Path:
    d = root / "ml-10M100K"
    write(d / "movies.dat", "1::Toy Story (1995)::Adventure|Animation|Children|Comedy|Fantasy\n")
    write(d / "ratings.dat", "5::1::4.5::838983421\n")
    write(d / "tags.dat", "15::1::Pixar::1138537770\n20::1::pixar ::1188263867\n")
    return d


def make_csv(root: Path, name: str = "ml-latest-small") -> Path:
    d = root / name
    write(d / "movies.csv", 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n'
          '29,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Drama\n'
          "40697,Babylon 5,(no genres listed)\n", newline="\r\n")  # fmt: skip
    write(d / "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n"
          "2,29,3.5,1445714994\n", newline="\r\n")  # fmt: skip
    write(d / "tags.csv", 'userId,movieId,tag,timestamp\n2,1,"funny, really",1445714994\n'
          "3,1,Funny,1445714996\n", newline="\r\n")  # fmt: skip
    write(d / "links.csv", "movieId,imdbId,tmdbId\n1,0114709,862\n29,0112682,\n", newline="\r\n")
    return d


@pytest.mark.parametrize(
    ("raw", "name", "year"),
    [
        ("The Matrix (1999)", "The Matrix", 1999),
        ("Seven (a.k.a. Se7en) (1995)", "Seven (a.k.a. Se7en)", 1995),
        ("Toy Story (1995)   ", "Toy Story", 1995),
        ("Babylon 5", "Babylon 5", None),
        ("Shawshank Redemption, The (1994)", "The Shawshank Redemption", 1994),
        ("Misérables, Les (1995)", "Les Misérables", 1995),
        ("Postman, The (Postino, Il) (1994)", "The Postman (Postino, Il)", 1994),
        ("Death Note: Desu nôto (2006–2007)", "Death Note: Desu nôto", 2006),
        ("Homme, L' (2001)", "L'Homme", 2001),
        ("Malcolm X, I (1992)", "Malcolm X, I", 1992),
    ],
)
def test_title_strings_become_display_name_and_year(raw: str, name: str, year: int | None) -> None:
    assert clean_title(raw) == (name, year)


def test_ml_100k_reads_latin1_items_genre_flags_and_release_dates(tmp_path: Path) -> None:
    ds = detect(make_100k(tmp_path))
    assert (ds.layout, ds.name) == (Layout.ML_100K, "ml-100k")
    toy, les, unknown = read_movies(ds)
    assert toy.name == "Toy Story"
    assert toy.year == 1995
    assert toy.genres == ("Animation", "Children's", "Comedy")
    assert toy.release_date == date(1995, 1, 1)
    assert les.name == "Les Misérables"
    assert les.genres == ("Drama",)
    assert unknown.genres == ()
    assert unknown.year is None
    users = list(read_users(ds))
    assert users[0] == (1, 24, "M", "technician", "85711")
    assert [r.rating for r in read_ratings(ds)] == [5.0, 3.0, 4.0]
    assert ds.movie_ref_prefix == "ml-100k:movie"


def test_ml_1m_decodes_latin1_and_maps_coded_ages_and_occupations(tmp_path: Path) -> None:
    ds = detect(make_1m(tmp_path))
    assert ds.layout is Layout.ML_1M
    assert [m.name for m in read_movies(ds)] == ["Toy Story", "Les Misérables"]
    first, second = read_users(ds)
    assert (first.age, first.gender, first.occupation) == (1, "F", "K-12 student")
    assert (second.age, second.occupation) == (56, "programmer")
    assert list(read_ratings(ds))[1] == (2, 73, 3.0, 978302109)
    assert ds.movie_ref_prefix == "movielens:movie"


def test_ml_10m_has_no_users_file_and_reads_half_star_ratings_and_tags(tmp_path: Path) -> None:
    ds = detect(make_10m(tmp_path))
    assert (ds.layout, ds.name) == (Layout.ML_10M, "ml-10m")
    assert list(read_users(ds)) == []
    assert next(read_ratings(ds)).rating == 4.5
    assert tag_weights(read_tags(ds), {1: 100}) == {(100, "pixar"): 2}


def test_csv_layout_handles_crlf_quotes_missing_genres_and_links(tmp_path: Path) -> None:
    ds = detect(make_csv(tmp_path))
    assert (ds.layout, ds.name) == (Layout.ML_CSV, "ml-latest-small")
    toy, city, babylon = read_movies(ds)
    assert toy.genres == ("Adventure", "Animation")
    assert city.name == "The City of Lost Children (Cité des enfants perdus, La)"
    assert (babylon.name, babylon.year, babylon.genres) == ("Babylon 5", None, ())
    links = read_links(ds)
    assert (links[1].imdb_id, links[1].tmdb_id) == ("tt0114709", "862")
    assert links[29].tmdb_id is None
    assert [r.timestamp for r in read_ratings(ds)] == [964982703, 1445714994]
    assert tag_weights(read_tags(ds), {1: 7}) == {(7, "funny, really"): 1, (7, "funny"): 1}


def test_tags_are_lowercased_trimmed_capped_and_unknown_movies_dropped() -> None:
    tags = [Tag(1, "  Dark  "), Tag(1, "dark"), Tag(2, "x" * 150), Tag(9, "orphan"), Tag(1, " ")]
    weights = tag_weights(tags, {1: 10, 2: 20})
    assert weights == {(10, "dark"): 2, (20, "x" * 100): 1}


def test_a_dataset_nested_one_level_down_is_found(tmp_path: Path) -> None:
    make_csv(tmp_path / "download", name="ml-25m")
    ds = detect(tmp_path / "download")
    assert (ds.layout, ds.name, ds.directory.name) == (Layout.ML_CSV, "ml-25m", "ml-25m")


def test_a_directory_of_several_datasets_asks_for_one(tmp_path: Path) -> None:
    make_csv(tmp_path)
    make_100k(tmp_path)
    with pytest.raises(DatasetError, match=r"several datasets found \(ml-100k, ml-latest-small\)"):
        detect(tmp_path)


def test_an_unknown_directory_name_falls_back_to_the_layout_name(tmp_path: Path) -> None:
    assert detect(make_csv(tmp_path, name="my-export")).name == "ml-latest"
    assert detect(make_csv(tmp_path, name="ml-1m")).name == "ml-latest"  # layout disagrees


def test_an_explicit_name_wins_and_must_be_simple(tmp_path: Path) -> None:
    path = make_csv(tmp_path)
    assert detect(path, name="ml-32m").name == "ml-32m"
    with pytest.raises(DatasetError, match="--name"):
        detect(path, name="Not A Name!")


def test_a_directory_without_a_layout_names_the_files_it_expected(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(DatasetError) as raised:
        detect(tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    for expected in ("u.data", "users.dat", "ratings.dat", "ratings.csv", "movies.csv"):
        assert expected in message


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file or directory"):
        detect(tmp_path / "nope")


def test_a_file_instead_of_a_directory_asks_to_unzip(tmp_path: Path) -> None:
    archive = tmp_path / "ml-100k.zip"
    archive.write_bytes(b"PK")
    with pytest.raises(DatasetError, match="unzip"):
        detect(archive)


@pytest.mark.parametrize(
    ("age", "band"),
    [(1, "under-18"), (17, "under-18"), (18, "18-24"), (24, "18-24"), (25, "25-34"),
     (45, "45-54"), (56, "55-64"), (73, "65+"), (None, None)],
)  # fmt: skip
def test_ages_fall_into_bands(age: int | None, band: str | None) -> None:
    assert age_band(age) == band
