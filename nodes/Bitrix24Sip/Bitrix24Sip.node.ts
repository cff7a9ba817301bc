import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as connector from './actions/connector/Connector.resource';
import * as line from './actions/line/Line.resource';
import * as registration from './actions/registration/Registration.resource';
import { requestOptions } from '../shared/requestOptions';
import { router } from './actions/router';
import { authenticationProperty } from '../shared/authentication';
import { bitrix24OAuth2ApiTest, bitrix24WebhookApiTest } from '../shared/credentialTest';
import { searchLines } from './methods/listSearch';
import { simplifyField } from './helpers/simplify';

export class Bitrix24Sip implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 SIP',
		name: 'bitrix24Sip',
		icon: { light: 'file:bitrix24Sip.svg', dark: 'file:bitrix24Sip.dark.svg' },
		group: ['transform'],
		// 2: Simplify on by default, Get Status by line, Check All Lines with office lines, Sync's
		// fields read the input; version 1 nodes keep their parameters and output as they were
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, check and sync the SIP lines of a Bitrix24 portal',
		defaults: { name: 'Bitrix24 SIP' },
		usableAsTool: true,
		// for n8n's AI workflow builder: when to pick this node and what goes with it (older n8n
		// ignores it)
		builderHint: {
			message:
				'Manages the SIP lines of a Bitrix24 portal: create, update, delete and list lines, set the default outgoing line, sync lines from a list, and check registrations. For a health check, run Registration → Check All Lines with Only Unhealthy Lines on after a Schedule Trigger, then alert on each item.',
			relatedNodes: [
				{
					nodeType: 'n8n-nodes-base.scheduleTrigger',
					relationHint: 'Runs Registration → Check All Lines regularly as a health check',
				},
				{
					nodeType: 'n8n-nodes-bitrix24-sip.bitrix24SipTrigger',
					relationHint: 'Starts a workflow when a line fails, recovers or changes',
				},
				{
					nodeType: 'n8n-nodes-bitrix24-sip.bitrix24SipCallTrigger',
					relationHint: 'Starts a workflow for each call; this node then reads the line',
				},
			],
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'bitrix24WebhookApi',
				required: true,
				testedBy: 'bitrix24WebhookApiTest',
				displayOptions: { show: { authentication: ['webhook'] } },
			},
			{
				name: 'bitrix24OAuth2Api',
				required: true,
				testedBy: 'bitrix24OAuth2ApiTest',
				displayOptions: { show: { authentication: ['oAuth2'] } },
			},
		],
		properties: [
			authenticationProperty,
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Connector',
						value: 'connector',
						description: 'The SIP connector licence of the portal',
					},
					{
						name: 'Line',
						value: 'line',
						description: 'A SIP line (cloud or office PBX connection)',
					},
					{
						name: 'Registration',
						value: 'registration',
						description: 'The SIP registration of a cloud line',
					},
				],
				default: 'line',
			},
			...line.description,
			...registration.description,
			...connector.description,
			simplifyField,
			requestOptions,
		],
	};

	methods = {
		credentialTest: { bitrix24WebhookApiTest, bitrix24OAuth2ApiTest },
		listSearch: { searchLines },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
