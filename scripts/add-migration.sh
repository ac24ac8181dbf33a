#!/usr/bin/env bash
# Adds a migration with the same name to each provider's migration set, each generated
# against its own provider. Usage: scripts/add-migration.sh NameOfChange
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh NameOfChange}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite PostgreSql SqlServer; do
  dotnet ef migrations add "$name" \
    --project CrmCore --startup-project CrmCore \
    --context "${provider}CrmDbContext" \
    --output-dir "Data/Migrations/$provider"
done
