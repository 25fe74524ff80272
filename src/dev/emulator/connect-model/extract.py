#!/usr/bin/env python3
"""Extracts what the Connect emulator needs from Amazon Connect's own API model.

The model ships inside the botocore wheel on PyPI (botocore/data/connect/2017-08-08/service-2.json.gz).
This keeps, for the operations below, each one's HTTP method and request path, its input members
(location, shape, required) and errors, every shape those inputs reach (type, length and value limits,
pattern, enum, list/map limits, nested members) and each error's HTTP status. The output is written
beside this script as connect-api-model.json, with sorted keys and the botocore version it came from.

Usage (Python 3 standard library only):
    python3 extract.py                     # downloads the newest botocore wheel with pip
    python3 extract.py --wheel PATH.whl    # reads a wheel you already have
"""
import argparse
import glob
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

MODEL_PATH = 'botocore/data/connect/2017-08-08/service-2.json.gz'
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connect-api-model.json')

# The operations the emulator serves (OPERATIONS in ../protocol.ts).
OPERATIONS = [
    'CreateContact',
    'AssociateContactWithUser',
    'StartTaskContact',
    'GetCurrentUserData',
    'DescribeContact',
    'StopContact',
    'ListQueues',
    'ListUsers',
    'ListRoutingProfiles',
    'ListRoutingProfileQueues',
    'TransferContact',
    'ListRoutingProfileManualAssignmentQueues',
    'ListUserProficiencies',
    'ListPredefinedAttributes',
    'DescribePredefinedAttribute',
]

# What a shape may say about the values it accepts; documentation and SDK hints are left out.
SHAPE_KEYS = ['type', 'min', 'max', 'pattern', 'enum', 'required']
MEMBER_KEYS = ['location', 'locationName']
# Prettier's line width for this repository: arrays that fit stay on one line, as Prettier leaves them.
PRINT_WIDTH = 110


def download_wheel(directory):
    subprocess.run(
        [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:', 'botocore', '-d', directory],
        check=True,
    )
    wheels = glob.glob(os.path.join(directory, 'botocore-*.whl'))
    if len(wheels) != 1:
        sys.exit(f'expected one botocore wheel in {directory}, found {wheels}')
    return wheels[0]


def read_wheel(path):
    with zipfile.ZipFile(path) as wheel:
        service = json.loads(gzip.decompress(wheel.read(MODEL_PATH)))
        init = wheel.read('botocore/__init__.py').decode('utf-8')
    version = re.search(r"^__version__ = '([^']+)'", init, re.MULTILINE)
    if not version:
        sys.exit(f'no __version__ in botocore/__init__.py of {path}')
    return service, version.group(1)


def shape_entry(shape):
    entry = {key: shape[key] for key in SHAPE_KEYS if key in shape}
    if 'members' in shape:
        entry['members'] = {
            name: {'shape': member['shape'], **{key: member[key] for key in MEMBER_KEYS if key in member}}
            for name, member in shape['members'].items()
        }
    for key in ('member', 'key', 'value'):
        if key in shape:
            entry[key] = shape[key]['shape']
    return entry


def extract(service, version):
    shapes = service['shapes']
    operations, kept, errors = {}, {}, {}

    def keep(name):
        if name in kept:
            return
        kept[name] = shape_entry(shapes[name])
        for referenced in referenced_shapes(kept[name]):
            keep(referenced)

    for name in OPERATIONS:
        operation = service['operations'][name]
        request = shape_entry(shapes[operation['input']['shape']])
        for member in request['members'].values():
            keep(member['shape'])
        error_names = [error['shape'] for error in operation.get('errors', [])]
        for error in error_names:
            errors[error] = shapes[error]['error']['httpStatusCode']
        operations[name] = {
            'method': operation['http']['method'],
            'path': operation['http']['requestUri'],
            'input': {key: request[key] for key in ('required', 'members') if key in request},
            'errors': sorted(error_names),
        }
    return {
        'source': {
            'package': 'botocore',
            'version': version,
            'file': MODEL_PATH,
            'apiVersion': service['metadata']['apiVersion'],
            'extractedBy': 'src/dev/emulator/connect-model/extract.py',
        },
        'operations': operations,
        'shapes': kept,
        'errors': errors,
    }


def referenced_shapes(entry):
    names = [member['shape'] for member in entry.get('members', {}).values()]
    return names + [entry[key] for key in ('member', 'key', 'value') if key in entry]


def dump(value, indent=0, prefix_width=0):
    """JSON with sorted keys, objects one member per line and arrays inline when they fit, as Prettier prints it."""
    pad = ' ' * indent
    if isinstance(value, dict):
        if not value:
            return '{}'
        lines = []
        for key in sorted(value):
            head = f'{pad}  {json.dumps(key)}: '
            lines.append(head + dump(value[key], indent + 2, len(head)) + ',')
        lines[-1] = lines[-1][:-1]
        return '{\n' + '\n'.join(lines) + '\n' + pad + '}'
    if isinstance(value, list):
        inline = '[' + ', '.join(json.dumps(item) for item in value) + ']'
        # The trailing comma after a member counts towards the line width.
        if prefix_width + len(inline) + 1 <= PRINT_WIDTH:
            return inline
        items = [f'{pad}  {dump(item, indent + 2)}' for item in value]
        return '[\n' + ',\n'.join(items) + '\n' + pad + ']'
    return json.dumps(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--wheel', help='a botocore wheel to read instead of downloading one')
    args = parser.parse_args()
    if args.wheel:
        service, version = read_wheel(args.wheel)
    else:
        with tempfile.TemporaryDirectory() as directory:
            service, version = read_wheel(download_wheel(directory))
    with open(OUTPUT, 'w', encoding='utf-8') as output:
        output.write(dump(extract(service, version)) + '\n')
    print(f'wrote {OUTPUT} from botocore {version}')


if __name__ == '__main__':
    main()
