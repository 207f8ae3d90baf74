#!/bin/bash
. "$(dirname "$0")/lib.sh"
e2e_pass
