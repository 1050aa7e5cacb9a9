#!/usr/bin/env bash
exec python3 "$(dirname "$0")/json_contract.py" "$1"
