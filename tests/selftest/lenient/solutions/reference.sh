#!/bin/bash
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
echo typo > ~/answers/cause.txt
