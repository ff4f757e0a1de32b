"""The catalog: titles, seasons, episodes, genres, people and their credits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marquee.storage.db.base import Base, BigId, UtcDateTime, utcnow


class Genre(Base):
    __tablename__ = "genres"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Title(Base):
    __tablename__ = "titles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # movie | series | documentary
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    release_date: Mapped[date | None] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    maturity_rating: Mapped[str] = mapped_column(String(8), default="NR")
    maturity_level: Mapped[int] = mapped_column(Integer, default=18, index=True)
    artwork_key: Mapped[str | None] = mapped_column(String(300))
    downloadable: Mapped[bool] = mapped_column(Boolean, default=False)
    imdb_id: Mapped[str | None] = mapped_column(String(16))
    tmdb_id: Mapped[str | None] = mapped_column(String(16))
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    genres: Mapped[list[Genre]] = relationship(secondary="title_genres", order_by="Genre.name")
    seasons: Mapped[list[Season]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="Season.number"
    )
    credits: Mapped[list[Credit]] = relationship(
        cascade="all, delete-orphan", order_by="Credit.position"
    )
    tags: Mapped[list[TitleTag]] = relationship(cascade="all, delete-orphan")
    languages: Mapped[list[TitleLanguage]] = relationship(cascade="all, delete-orphan")
    availability: Mapped[list[TitleAvailability]] = relationship(cascade="all, delete-orphan")


class TitleGenre(Base):
    __tablename__ = "title_genres"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    genre_id: Mapped[int] = mapped_column(
        ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TitleTag(Base):
    __tablename__ = "title_tags"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)


class TitleLanguage(Base):
    __tablename__ = "title_languages"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class TitleAvailability(Base):
    """Where and when a title may be watched. No rows: available everywhere, always."""

    __tablename__ = "title_availability"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("title_id", "country"),)


class Season(Base):
    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")

    title: Mapped[Title] = relationship(back_populates="seasons")
    episodes: Mapped[list[Episode]] = relationship(
        back_populates="season", cascade="all, delete-orphan", order_by="Episode.number"
    )

    __table_args__ = (UniqueConstraint("title_id", "number"),)


class Episode(Base):
    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[date | None] = mapped_column(Date)

    season: Mapped[Season] = relationship(back_populates="episodes")

    __table_args__ = (UniqueConstraint("season_id", "number"),)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)


class Credit(Base):
    """A person's role on a title: actor (with character), director, writer, creator."""

    __tablename__ = "credits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    character: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("title_id", "person_id", "role"),
        Index("ix_credits_title_id", "title_id"),
    )
