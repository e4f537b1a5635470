#!/usr/bin/env bash
# Builds the HTML documentation site of scaleway.registry, offline: the plugin reference that antsibull-docs
# renders from the plugins' own documentation, and the Markdown guides in docs/*.md (through myst-parser).
#
#   docs/build-site.sh COLLECTIONS_PATH OUTPUT_DIR
#
# COLLECTIONS_PATH holds ansible_collections/scaleway/registry, the copy of the collection to document (its
# guides are taken from the same copy). OUTPUT_DIR is emptied and receives the HTML; open OUTPUT_DIR/index.html.
# antsibull-docs, sphinx-build and the packages of docs/requirements.txt must be on PATH (make docs sees to it).
#
# Sphinx runs with -W: a warning, such as a broken reference in a plugin's documentation or a guide, fails the
# build. The pages that antsibull-docs writes refer to a few labels of the Ansible documentation; they resolve
# through a small inventory made here (ANSIBLE_DOCS_TARGETS below), so that no inventory is downloaded.
set -euo pipefail

COLLECTION=scaleway.registry
ANSIBLE_DOCS_URL=https://docs.ansible.com/projects/ansible/devel/
# The labels of the Ansible documentation that antsibull-docs' pages refer to: name, role, page and anchor, title.
# A new label shows up as an "undefined label" or "reference target not found" warning; add it here.
ANSIBLE_DOCS_TARGETS='
common_return_values std:label reference_appendices/common_return_values.html#common-return-values Common Return Values
action_plugins std:label plugins/action.html#action-plugins Action plugins
ansible_configuration_settings std:label reference_appendices/config.html#ansible-configuration-settings Ansible Configuration Settings
ANSIBLE_CACHE_PLUGIN std:envvar reference_appendices/config.html#envvar-$ -
ANSIBLE_CACHE_PLUGIN_CONNECTION std:envvar reference_appendices/config.html#envvar-$ -
ANSIBLE_CACHE_PLUGIN_PREFIX std:envvar reference_appendices/config.html#envvar-$ -
ANSIBLE_CACHE_PLUGIN_TIMEOUT std:envvar reference_appendices/config.html#envvar-$ -
'

usage() {
    echo "usage: $0 COLLECTIONS_PATH OUTPUT_DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
[[ -d $1 ]] || { echo "$0: no such directory: $1" >&2; exit 2; }
collections_path=$(cd "$1" && pwd)
collection_dir=$collections_path/ansible_collections/${COLLECTION/.//}
[[ -f $collection_dir/galaxy.yml ]] || { echo "$0: no collection at $collection_dir" >&2; exit 2; }
mkdir -p "$2"
output_dir=$(cd "$2" && pwd)
# It is emptied: it must be empty or hold an earlier build (Sphinx leaves .buildinfo in it).
if [[ -n $(ls -A "$output_dir") && ! -f $output_dir/.buildinfo ]]; then
    echo "$0: $output_dir is neither empty nor an earlier build of the site" >&2
    exit 2
fi

for tool in antsibull-docs sphinx-build python3; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not on PATH (pip install -r docs/requirements.txt)" >&2; exit 2; }
done

# antsibull-docs wants its destination directories writable by their owner only.
umask 022
work=$(mktemp -d "${TMPDIR:-/tmp}/scaleway-registry-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ANSIBLE_COLLECTIONS_PATH=$collections_path

# conf.py (Sphinx with sphinx-ansible-theme and antsibull's extension) and antsibull-docs.cfg.
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$work" \
    --project "$COLLECTION" --copyright "$COLLECTION contributors" --title "$COLLECTION" \
    "$COLLECTION" >/dev/null

# From galaxy.yml: the repository, the version and the description (on one line).
{ read -r repository; read -r version; read -r description; } < <(python3 -c '
import sys, yaml
galaxy = yaml.safe_load(open(sys.argv[1]))
print(galaxy["repository"].rstrip("/"), galaxy["version"], " ".join(galaxy["description"].split()), sep="\n")
' "$collection_dir/galaxy.yml")
[[ -n $description ]] || { echo "$0: cannot read $collection_dir/galaxy.yml" >&2; exit 1; }

# The plugin pages link the collection's name to its repository rather than to Galaxy.
cat >"$work/antsibull-docs.cfg" <<EOF
breadcrumbs = true
indexes = true
use_html_blobs = false
add_antsibull_docs_version = true
collection_url = {
  $COLLECTION = "$repository"
}
collection_install = {
  * = "ansible-galaxy collection install {namespace}.{name}"
}
EOF

# The plugin reference, under reference/.
mkdir -p "$work/rst/reference"
antsibull-docs --config-file "$work/antsibull-docs.cfg" collection --use-current --squash-hierarchy \
    --fail-on-error --dest-dir "$work/rst/reference" "$COLLECTION" >/dev/null

# The guides, under guides/: docs/README.md, which leads to the others, then getting-started.md, then the rest.
guides=()
shopt -s nullglob
for guide in "$collection_dir"/docs/*.md; do
    mkdir -p "$work/rst/guides"
    cp "$guide" "$work/rst/guides/"
    guides+=("$(basename "$guide" .md)")
done
shopt -u nullglob
guide_toctree=
if [[ ${#guides[@]} -gt 0 ]]; then
    guide_toctree=$'.. toctree::\n   :maxdepth: 1\n   :caption: Guides\n   :glob:\n\n'
    for first in README getting-started; do
        if [[ -f $work/rst/guides/$first.md ]]; then
            guide_toctree+="   guides/$first"$'\n'
        fi
    done
    guide_toctree+=$'   guides/*\n'
fi

cat >"$work/rst/index.rst" <<EOF
.. _docsite_root_index:

$COLLECTION
$(printf '=%.0s' $(seq ${#COLLECTION}))

$description

$guide_toctree
.. toctree::
   :maxdepth: 2
   :caption: Reference

   reference/index
EOF

# The inventory of the Ansible documentation's labels (format: Sphinx inventory version 2).
python3 - "$work/ansible_devel.inv" "$ANSIBLE_DOCS_TARGETS" <<'EOF'
import sys
import zlib

path, targets = sys.argv[1:]
header = '# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n' \
    '# The remainder of this file is compressed using zlib.\n'
entries = ''
for line in targets.strip().splitlines():
    name, role, uri, title = line.split(' ', 3)
    entries += '%s %s -1 %s %s\n' % (name, role, uri, title)
with open(path, 'wb') as inventory:
    inventory.write(header.encode('utf-8') + zlib.compress(entries.encode('utf-8')))
EOF

# What this site changes in the conf.py of sphinx-init: Markdown guides; intersphinx without downloads; and links
# from a guide to a file of the collection outside the guides (../README.md, ../examples/) go to the repository.
cat >>"$work/conf.py" <<'EOF'

# --- added by docs/build-site.sh ---
import os

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
html_title = '%s %s documentation' % (project, os.environ['SITE_VERSION'])
intersphinx_mapping = {
    'ansible_devel': (os.environ['SITE_ANSIBLE_DOCS_URL'],
                      (os.path.join(os.path.dirname(__file__), 'ansible_devel.inv'),)),
}


class RepositoryLinks(SphinxPostTransform):
    """Turn a guide's link to a file of the collection that is not a page of the site into a repository link."""

    default_priority = 8  # before myst-parser resolves its links (9)

    def run(self, **kwargs):
        collection = os.environ['SITE_COLLECTION_DIR']
        repository = os.environ['SITE_REPOSITORY']
        if not self.env.docname.startswith('guides/'):
            return
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get('reftype') != 'myst' or node.get('refdomain'):
                continue
            target, _, anchor = node['reftarget'].partition('#')
            path = os.path.normpath(os.path.join(collection, 'docs', target))
            if not target or not path.startswith(collection + os.sep) or not os.path.exists(path):
                continue  # myst-parser warns about it
            kind = 'tree' if os.path.isdir(path) else 'blob'
            uri = '%s/%s/main/%s' % (repository, kind, os.path.relpath(path, collection))
            link = nodes.reference('', '', *node.children, refuri=uri + ('#' + anchor if anchor else ''), internal=False)
            if not link.astext():
                link += nodes.literal(target, target)
            node.replace_self(link)


def setup(app):
    app.add_post_transform(RepositoryLinks)
EOF

export SITE_COLLECTION_DIR=$collection_dir SITE_REPOSITORY=$repository SITE_VERSION=$version \
    SITE_ANSIBLE_DOCS_URL=$ANSIBLE_DOCS_URL
# Warnings name the collection's files rather than their copies here.
sphinx-build -b html -q -W --keep-going -c "$work" -d "$work/doctrees" "$work/rst" "$work/html" 2>&1 |
    sed -e "s|$work/rst/guides/|$collection_dir/docs/|" -e "s|$work/rst/|(generated) |"
find "$output_dir" -mindepth 1 -delete
cp -a "$work/html/." "$output_dir/"
echo "documentation site: $output_dir/index.html"
