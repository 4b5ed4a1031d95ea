"""What every part of the kit uses: errors, the privacy gate, statistics, pooling, labels and
number formats, escaping, the look, files, YAML, dates given as parameters, and what a
notebook records. A module here imports no other room."""
