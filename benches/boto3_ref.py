"""The API floor: one boto3 process making a workflow's calls one after
another (process start and `import boto3` included, as for any tool).

usage: boto3_ref.py ENDPOINT grant|revoke|describe SPEC.json
  SPEC.json: {"images": [...], "accounts": [...]}; grant/revoke touch every
  (image, account) pair; describe reads each image's list page by page.
Prints the number of calls made.
"""
import json
import sys

import boto3


def main() -> None:
    endpoint, mode, spec = sys.argv[1:4]
    with open(spec) as f:
        s = json.load(f)
    ws = boto3.client("workspaces", endpoint_url=endpoint, region_name="us-east-1")
    calls = 0
    for image in s["images"]:
        if mode == "describe":
            kw = {"ImageId": image}
            while True:
                page = ws.describe_workspace_image_permissions(**kw)
                calls += 1
                if not page.get("NextToken"):
                    break
                kw["NextToken"] = page["NextToken"]
            continue
        for account in s["accounts"]:
            ws.update_workspace_image_permission(
                ImageId=image, SharedAccountId=account, AllowCopyImage=(mode == "grant"))
            calls += 1
    print(calls)


if __name__ == "__main__":
    main()
