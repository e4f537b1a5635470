# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from ansible_collections.scaleway.registry.plugins.module_utils import _host_files
from ansible_collections.scaleway.registry.plugins.module_utils._docker_config import (
    ConfigFileError,
    load,
    masked,
    registry_problems,
    write,
)
from ansible_collections.scaleway.registry.plugins.module_utils._host_files import (
    HostFileError,
    check_directory,
    make_directories,
    read_regular,
    write_file,
)

KEY = "11111111-1111-4111-8111-111111111111"


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_written_file_has_its_mode_before_any_content_is_in_it(tmp_path, monkeypatch):
    seen = []
    real_fdopen = os.fdopen

    class Spy:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

        def fileno(self):
            return self.handle.fileno()

        def flush(self):
            self.handle.flush()

        def write(self, data):
            seen.append(stat.S_IMODE(os.fstat(self.handle.fileno()).st_mode))
            return self.handle.write(data)

    monkeypatch.setattr(_host_files.os, "fdopen", lambda *a, **k: Spy(real_fdopen(*a, **k)))
    write_file(str(tmp_path / "secret"), KEY + "\n", 0o600)
    assert seen == [0o600]
    assert mode_of(tmp_path / "secret") == 0o600
    assert (tmp_path / "secret").read_text() == KEY + "\n"
    assert sorted(os.listdir(tmp_path)) == ["secret"]


def test_no_predictable_temporary_name_is_followed(tmp_path):
    attacker = tmp_path / "attacker"
    for name in ("secret.tmp-scaleway-registry", ".secret.tmp"):
        (tmp_path / name).symlink_to(attacker)
    write_file(str(tmp_path / "secret"), KEY, 0o600)
    assert not attacker.exists()


def test_a_link_where_a_regular_file_belongs_is_refused(tmp_path):
    (tmp_path / "target").write_text("mine")
    (tmp_path / "secret").symlink_to(tmp_path / "target")
    with pytest.raises(HostFileError, match="secret is a symbolic link; the module keeps this file as a regular file"):
        read_regular(str(tmp_path / "secret"))


def test_a_directory_others_may_write_into_is_refused_unless_sticky(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(HostFileError, match=r"shared is writable by others \(mode 0777\)"):
        write_file(str(shared / "secret"), KEY, 0o600)
    assert list(shared.iterdir()) == []
    shared.chmod(0o1777)
    check_directory(str(shared))
    shared.chmod(0o775)
    with pytest.raises(HostFileError):
        check_directory(str(shared))


def test_only_the_directories_made_get_a_mode_and_they_are_returned(tmp_path):
    (tmp_path / "existing").mkdir(mode=0o755)
    (tmp_path / "existing").chmod(0o755)
    made = make_directories(str(tmp_path / "existing" / "a" / "b" / "secret"), 0o700)
    assert made == [str(tmp_path / "existing" / "a"), str(tmp_path / "existing" / "a" / "b")]
    assert [mode_of(path) for path in made] == [0o700, 0o700]
    assert mode_of(tmp_path / "existing") == 0o755


def test_a_linked_config_is_edited_in_its_target_and_stays_a_link(tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "config.json").write_text('{"psFormat": "table"}')
    (dotfiles / "config.json").chmod(0o640)
    link = tmp_path / "config.json"
    link.symlink_to("dotfiles/config.json")
    write(str(link), dict(load(str(link)), credHelpers={"rg.fr-par.scw.cloud": "scw"}))
    assert link.is_symlink()
    assert json.loads((dotfiles / "config.json").read_text())["credHelpers"] == {"rg.fr-par.scw.cloud": "scw"}
    assert mode_of(dotfiles / "config.json") == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to make a link owned by another user")
def test_a_link_to_a_file_of_somebody_else_is_refused(tmp_path):
    (tmp_path / "shadow").write_text("{}")
    link = tmp_path / "config.json"
    link.symlink_to(tmp_path / "shadow")
    os.lchown(str(link), 65534, 65534)
    with pytest.raises(ConfigFileError, match="which its owner does not own"):
        load(str(link))


def test_the_masked_config_shows_entries_but_no_credential():
    login = base64.b64encode(("nologin:" + KEY).encode()).decode()
    before = {
        "auths": {"rg.fr-par.scw.cloud": {"auth": login}, "ghcr.io": {"identitytoken": "tok"}},
        "credHelpers": {"rg.nl-ams.scw.cloud": "scw"},
        "proxies": {"default": {"password": "p"}},
    }
    after = {"auths": {"ghcr.io": {"identitytoken": "new"}}, "credHelpers": {"rg.fr-par.scw.cloud": "scw"}}
    shown = json.dumps([masked(before, after), masked(after, before)])
    for secret in (login, KEY, "tok", "new", '"p"'):
        assert secret not in shown
    assert masked(before, after)["auths"] == {"rg.fr-par.scw.cloud": "(credentials)", "ghcr.io": "(other credentials)"}
    assert masked(after, before)["auths"] == {"ghcr.io": "(other credentials)"}
    assert masked(before)["proxies"] == {"default": {"password": "(hidden)"}}
    assert masked(after)["credHelpers"] == after["credHelpers"]


@pytest.mark.parametrize("registry", ["rg.fr-par.scw.cloud", "127.0.0.1:5000", "localhost", "[::1]:5000", "a-b.c"])
def test_registry_hosts_are_accepted(registry):
    assert registry_problems([registry], "registries") == []


@pytest.mark.parametrize(
    "registry",
    [
        "--config=/tmp/x",
        "https://rg.fr-par.scw.cloud",
        "rg.fr-par.scw.cloud/ns",
        "-h",
        "",
        "a b",
        "host:port",
        "host:123456",
        "-rg.example.com",
    ],
)
def test_anything_else_is_refused_naming_the_option(registry):
    assert registry_problems([registry], "registry") == [
        f"registry: {registry!r} is not a registry host; write host or host:port, such as rg.fr-par.scw.cloud or"
        " 127.0.0.1:5000"
    ]


def test_a_directory_that_another_run_makes_meanwhile_is_used_and_not_claimed(tmp_path, monkeypatch):
    made_elsewhere = tmp_path / "shared"
    real_mkdir = os.mkdir

    def racing_mkdir(path, mode=0o777):
        if str(path) == str(made_elsewhere):
            real_mkdir(path, 0o750)  # the other run wins the race
            raise FileExistsError(17, "File exists", str(path))
        real_mkdir(path, mode)

    monkeypatch.setattr(os, "mkdir", racing_mkdir)
    created = make_directories(str(made_elsewhere / "mine" / "file"), 0o700)
    assert created == [str(made_elsewhere / "mine")]
    assert stat.S_IMODE(os.stat(made_elsewhere).st_mode) == 0o750  # never chmodded: not ours


def test_a_link_made_meanwhile_in_place_of_a_directory_is_refused(tmp_path, monkeypatch):
    planted = tmp_path / "planted"
    (tmp_path / "elsewhere").mkdir()

    def planting_mkdir(path, mode=0o777):
        os.symlink(str(tmp_path / "elsewhere"), str(path))
        raise FileExistsError(17, "File exists", str(path))

    monkeypatch.setattr(os, "mkdir", planting_mkdir)
    with pytest.raises(FileExistsError):
        make_directories(str(planted / "file"), 0o700)
