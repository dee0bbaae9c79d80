#!/bin/bash
sed -i 's/mode=broken/mode=fixed/' /etc/app/config.txt
